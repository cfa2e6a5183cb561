//! The audit log fails closed: a change is never planned or sent without its record. A log on a
//! full disk (`/dev/full`) refuses every plan while reads keep working; a log that stops
//! accepting writes between the plan and the confirmation (a file-size limit set on the running
//! server with `prlimit`, which fails the next append with EFBIG) refuses the confirmation, sends
//! nothing, and keeps the plan pending until the log can be written again.

use std::process::Command;

use serde_json::json;

use crate::both_transports;
use crate::common::seed::*;
use crate::common::{ServerSpec, Transport, decisions, lines_of, min, read, str_of};

/// Starts the binary with SIGXFSZ ignored (inherited through `exec`), so a file-size limit makes
/// the audit write fail with EFBIG, as a full disk would, instead of killing the process.
const IGNORE_SIGXFSZ: [&str; 3] = ["sh", "-c", "trap '' XFSZ; exec \"$0\" \"$@\""];

/// Sets the running process's soft file-size limit (`prlimit --fsize`), in bytes; the hard limit
/// is left alone, so the soft one can be raised again without privileges.
fn limit_file_size(pid: u32, limit: &str) {
    let status = Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &format!("--fsize={limit}:")])
        .status()
        .expect("run prlimit (util-linux)");
    assert!(status.success(), "prlimit --fsize={limit} failed");
}

both_transports!(a_full_disk_refuses_plans_and_keeps_reads, full_disk);

async fn full_disk(transport: Transport) {
    let h = ServerSpec::new(transport)
        .audit_on_full_disk()
        .start()
        .await;
    let before = h.emu.snapshot().await;

    // Reads are not audited and keep working.
    let quota = h
        .ok("pai_quota_get", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    assert_eq!(quota["quota_id"], QUOTA_LINGJUN, "{quota:#}");

    // A plan that cannot be recorded is refused and never stored.
    let error = h
        .refused(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "never recorded"}),
            "audit_unavailable",
        )
        .await;
    let message = str_of(&error["message"]);
    assert!(
        message.contains("cannot write the audit log") && message.contains("nothing was sent"),
        "{error:#}"
    );
    assert!(
        str_of(&error["user_action"]).contains("reads still work"),
        "{error:#}"
    );
    assert!(
        h.plans().await.is_empty(),
        "an unrecorded plan is not pending"
    );
    let create = h
        .refused(
            "pai_quota_create_root",
            json!({
                "quota_name": "never-created",
                "resource_group_ids": [RG_TRAIN_A10_EXTRA],
                "min": min(&[(C8G1, 1)]),
            }),
            "audit_unavailable",
        )
        .await;
    assert_eq!(create["type"], "audit_unavailable");
    h.emu
        .assert_unchanged(&before, "plans with the audit log on a full disk")
        .await;
    std::fs::remove_file(&h.server.audit).expect("remove the /dev/full link");
    let stderr = h.finish().await.stderr;
    assert!(stderr.contains("audit log write failed"), "{stderr}");
}

both_transports!(
    a_log_that_fails_before_the_confirmation_sends_nothing,
    fails_before_confirmation
);

async fn fails_before_confirmation(transport: Transport) {
    let h = ServerSpec::new(transport)
        .launched_by(&IGNORE_SIGXFSZ)
        .start()
        .await;
    let plan = h
        .plan(
            "pai_quota_update",
            json!({"quota_id": QUOTA_LINGJUN, "description": "after the disk filled"}),
        )
        .await;
    let plan_id = str_of(&plan["plan_id"]);
    let phrase = str_of(&plan["confirm_phrase"]);
    let before = h.emu.snapshot().await;

    // The log can grow no further: the confirmation's record fails, so nothing is sent.
    let size = std::fs::metadata(&h.server.audit)
        .expect("the plan was recorded")
        .len();
    let pid = h.server.pid();
    limit_file_size(pid, &size.to_string());
    let error = h
        .refused(
            "confirm",
            json!({"plan_id": plan_id, "phrase": phrase}),
            "audit_unavailable",
        )
        .await;
    assert!(
        str_of(&error["user_action"]).contains("stays pending"),
        "{error:#}"
    );
    h.emu
        .assert_unchanged(&before, "a confirmation the audit log refused")
        .await;
    assert!(
        h.emu.requests_for("UpdateQuota").await.is_empty(),
        "UpdateQuota was sent without its audit record"
    );
    // Reads still work.
    h.ok("pai_quota_get", json!({"quota_id": QUOTA_LINGJUN}))
        .await;
    let listed = h.plans().await;
    assert_eq!(listed.len(), 1, "the plan stays pending: {listed:?}");
    assert_eq!(
        std::fs::metadata(&h.server.audit).unwrap().len(),
        size,
        "nothing, not even part of a line, was added to the log"
    );

    // Once the log can be written again, the same phrase executes the plan once.
    limit_file_size(pid, "unlimited");
    h.execute(&plan).await;
    assert_eq!(h.emu.requests_for("UpdateQuota").await.len(), 1);
    let audit_text = read(&h.server.audit);
    assert!(audit_text.ends_with('\n'), "the log ends with a whole line");
    let finished = h.finish().await;
    let story: Vec<String> = lines_of(&finished.audit, &plan_id)
        .iter()
        .map(|l| str_of(&l["decision"]))
        .collect();
    assert_eq!(
        story,
        ["planned", "confirmed", "executed"],
        "the refused attempt left no line; the second one is whole"
    );
    assert_eq!(decisions(&finished.audit, "executed").len(), 1);
}
