//! The HTML of the confirmation page: the last look a person has before a cloud change. What
//! changes (field / current / target), how hard it is to undo (destructive and forced changes
//! marked in words, not only colour), where it goes (an "Emulator" badge when the target is the
//! built-in emulator), what it costs when the plan says, the warnings, and the exact request.
//! No script at all; one inline style allowed by its hash in a strict Content-Security-Policy.

use std::sync::LazyLock;

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::readable::{self, Change};

/// What the page says about a plan beyond its own fields.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Facts {
    /// The tool removes or shrinks something (`effect = "destroy"`).
    pub destructive: bool,
    /// The plan needs the force phrase.
    pub forced: bool,
    /// The providers are the built-in emulator.
    pub emulator: bool,
}

impl Facts {
    /// Whether `plan` is forced: a check found force required, or the phrase is the force one.
    pub(super) fn forced(plan: &Value) -> bool {
        plan["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["result"] == "force_required")
            || plan["confirm_phrase"]
                .as_str()
                .is_some_and(|p| p.starts_with("CONFIRM-FORCE"))
    }
}

/// Colours (all at least 4.5:1 against their background; the browser test computes it),
/// layout that reads on a phone, visible keyboard focus.
const STYLE: &str = "\
:root{--ink:#16181d;--muted:#4b5160;--line:#d5d9e0;--panel:#f5f7fa;--accent:#1d4ed8;--danger:#b42318;\
--danger-bg:#fef3f2;--warn:#7a4100;--warn-bg:#fffaeb;--emu:#5b21b6;--ok:#166534}\
*{box-sizing:border-box}\
html{background:#fff;color:var(--ink)}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
.bar{display:flex;align-items:center;gap:.75rem;padding:.6rem 1.25rem;border-bottom:1px solid var(--line);background:var(--panel)}\
.brand{font-weight:700;letter-spacing:.02em}\
main{max-width:56rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}\
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .5rem}\
h2{font-size:1.15rem;margin:2rem 0 .6rem}\
h3{font-size:1rem;margin:1rem 0 .4rem}\
.eyebrow{margin:0;color:var(--muted);font-size:.9rem;text-transform:uppercase;letter-spacing:.06em}\
.meta{margin:0;color:var(--muted)}\
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}\
code{background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:0 .3em;color:var(--ink)}\
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;overflow:auto;margin:0;color:var(--ink)}\
.badge{display:inline-block;border-radius:999px;padding:.1rem .65rem;font-size:.8rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:#fff}\
.badge.emulator{background:var(--emu)}\
.badge.destructive{background:var(--danger)}\
.badge.forced{background:var(--warn)}\
.flags{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0 0}\
.notice{border:1px solid var(--line);border-left-width:6px;border-radius:6px;padding:.75rem 1rem;margin:1rem 0}\
.notice h2{margin:0 0 .25rem;font-size:1.05rem}\
.notice p{margin:.25rem 0}\
.notice.danger{border-color:var(--danger);background:var(--danger-bg);color:var(--ink)}\
.notice.danger h2{color:var(--danger)}\
.notice.warn{border-color:var(--warn);background:var(--warn-bg);color:var(--ink)}\
.notice.warn h2{color:var(--warn)}\
.notice.emulator{border-color:var(--emu);background:#f5f3ff;color:var(--ink)}\
table{border-collapse:collapse;width:100%}\
th,td{text-align:left;vertical-align:top;padding:.5rem .75rem;border-bottom:1px solid var(--line)}\
thead th{font-size:.85rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);border-bottom:2px solid var(--line)}\
tbody th{font-weight:600;white-space:nowrap}\
.line{display:block;white-space:pre-wrap;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}\
.lines{margin-top:.35rem}\
.none{color:var(--muted);font-style:italic}\
.tag{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em}\
.tag.removed{background:var(--danger-bg);color:var(--danger);border:1px solid var(--danger)}\
.tag.added{background:#f0fdf4;color:var(--ok);border:1px solid var(--ok)}\
.request-line{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline;margin:.25rem 0}\
.method{font-weight:700;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\
.url{word-break:break-all}\
.warnings{list-style:none;padding:0;margin:0}\
.warnings li{border:1px solid var(--warn);background:var(--warn-bg);border-radius:6px;padding:.6rem .9rem;margin:.5rem 0}\
.warnings strong{color:var(--warn)}\
.tag.forced{background:#fff;color:var(--warn);border:1px solid var(--warn)}\
details{margin:1rem 0}\
summary{cursor:pointer;font-weight:600}\
.checks li{margin:.2rem 0}\
.ok{color:var(--ok);font-weight:700}\
form.confirm{margin-top:2rem;border:2px solid var(--accent);border-radius:8px;padding:1rem 1.25rem}\
form.confirm.danger{border-color:var(--danger)}\
form.confirm h2{margin-top:0}\
.phrase code{font-size:1.15rem;padding:.15rem .5rem;user-select:all}\
label{display:block;font-weight:600;margin:.75rem 0 .25rem}\
input[type=text]{font:inherit;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.05rem;width:100%;max-width:28rem;\
padding:.5rem .65rem;border:2px solid var(--muted);border-radius:6px;color:var(--ink);background:#fff}\
.help{color:var(--muted);margin:.35rem 0 0;font-size:.92rem}\
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}\
button{font:inherit;font-weight:600;border-radius:6px;padding:.55rem 1.1rem;cursor:pointer;border:2px solid var(--accent)}\
button.primary{background:var(--accent);color:#fff}\
button.primary.danger{background:var(--danger);border-color:var(--danger)}\
button.secondary{background:#fff;color:var(--ink);border-color:var(--muted)}\
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}\
footer{margin-top:2rem;color:var(--muted);font-size:.92rem}\
.result-ok h1{color:var(--ok)}\
.result-failed h1{color:var(--danger)}\
@media (max-width:40rem){tbody th{white-space:normal}}";

/// `'sha256-…'` of [`STYLE`], the one inline style the policy admits.
static STYLE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(STYLE.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
});

/// The page's Content-Security-Policy: nothing may load or run but the hashed style, the empty
/// favicon (so the browser does not fetch `/favicon.ico`), and a form posted to this page.
pub(super) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        *STYLE_SOURCE
    )
}

/// HTML-escapes text for element content and attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

fn document(title: &str, emulator: bool, main_class: &str, body: &str) -> String {
    let badge = if emulator {
        "<span class=\"badge emulator\" title=\"The target is the built-in emulator\">Emulator</span>"
    } else {
        ""
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><link rel=\"icon\" href=\"data:,\">\
         <title>{title} · skillgate</title><style>{STYLE}</style></head>\
         <body><header class=\"bar\"><span class=\"brand\">skillgate</span>{badge}</header>\
         <main class=\"{main_class}\">{body}</main></body></html>",
        title = escape(title),
    )
}

/// `2026-12-02T03:06:46Z` as `2026-12-02 03:06:46 UTC`.
fn readable_time(rfc3339: &str) -> String {
    match rfc3339.strip_suffix('Z') {
        Some(time) => format!("{} UTC", time.replace('T', " ")),
        None => rfc3339.to_string(),
    }
}

/// Lines as spans of one table cell; an empty list reads `none`.
fn cell(lines: &[String]) -> String {
    if lines.is_empty() {
        return "<span class=\"none\">none</span>".into();
    }
    lines
        .iter()
        .map(|line| format!("<span class=\"line\">{}</span>", escape(line)))
        .collect()
}

fn change_table(plan: &Value) -> String {
    let rows = readable::diff_rows(&plan["diff"]);
    if rows.is_empty() {
        return "<p>No field changes: the request below is the whole change.</p>".into();
    }
    let body: String = rows
        .iter()
        .map(|row| {
            let (class, target) = match row.change {
                Change::Removed => (
                    "removed",
                    "<span class=\"tag removed\">removed</span>".to_string(),
                ),
                Change::Added => (
                    "added",
                    format!("{} <span class=\"tag added\">new</span>", cell(&row.target)),
                ),
                Change::Changed => ("changed", cell(&row.target)),
            };
            format!(
                "<tr class=\"{class}\"><th scope=\"row\">{}</th><td>{}</td><td>{target}</td></tr>",
                escape(&row.field),
                cell(&row.current),
            )
        })
        .collect();
    format!(
        "<table class=\"diff\"><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Current</th>\
         <th scope=\"col\">Target</th></tr></thead><tbody>{body}</tbody></table>"
    )
}

fn warnings(plan: &Value) -> String {
    let items: String = plan["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["result"] != "ok")
        .map(|c| {
            let name = readable::label(c["check"].as_str().unwrap_or("check"));
            let result = readable::label(c["result"].as_str().unwrap_or("warning"));
            format!(
                "<li><strong>{}</strong> <span class=\"tag forced\">{}</span><div class=\"lines\">{}</div></li>",
                escape(&name),
                escape(&result),
                cell(&readable::lines(&c["detail"])),
            )
        })
        .collect();
    if items.is_empty() {
        return String::new();
    }
    format!(
        "<h2 id=\"warnings\">Warnings</h2><ul class=\"warnings\" aria-labelledby=\"warnings\">{items}</ul>"
    )
}

fn passed_checks(plan: &Value) -> String {
    let checks: Vec<&Value> = plan["checks"].as_array().into_iter().flatten().collect();
    if checks.is_empty() {
        return String::new();
    }
    let passed = checks.iter().filter(|c| c["result"] == "ok").count();
    let items: String = checks
        .iter()
        .map(|c| {
            let mark = if c["result"] == "ok" {
                "<span class=\"ok\">passed</span>"
            } else {
                "<strong>needs attention</strong>"
            };
            format!(
                "<li>{}: {mark}<div class=\"lines\">{}</div></li>",
                escape(&readable::label(c["check"].as_str().unwrap_or("check"))),
                cell(&readable::lines(&c["detail"])),
            )
        })
        .collect();
    format!(
        "<details class=\"checks\"><summary>Checks the server ran against the live state ({passed} of {} passed)</summary><ul>{items}</ul></details>",
        checks.len()
    )
}

fn requests(plan: &Value, emulator: bool) -> String {
    let steps: Vec<&Value> = plan["dry_run"].as_array().into_iter().flatten().collect();
    let count = steps.len();
    steps
        .iter()
        .enumerate()
        .map(|(index, request)| {
            let heading = if count > 1 {
                format!("<h3>Request {} of {count}</h3>", index + 1)
            } else {
                String::new()
            };
            let sent_to = request["sent_to"]
                .as_str()
                .map(|to| {
                    let note = if emulator { " (the built-in emulator)" } else { "" };
                    format!("<p class=\"meta\">Sent to <code>{}</code>{note}</p>", escape(to))
                })
                .unwrap_or_default();
            let body = match &request["body"] {
                Value::Null => "<p class=\"meta\">No body.</p>".to_string(),
                body => format!(
                    "<h3>Body</h3><pre>{}</pre>",
                    escape(&serde_json::to_string_pretty(body).unwrap_or_default())
                ),
            };
            let headers: String = request["headers"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, value)| {
                    format!(
                        "<tr><th scope=\"row\" class=\"mono\">{}</th><td><span class=\"line\">{}</span></td></tr>",
                        escape(name),
                        escape(&readable::scalar_text(value))
                    )
                })
                .collect();
            let headers = if headers.is_empty() {
                String::new()
            } else {
                format!(
                    "<details><summary>Headers (the signature and the key are masked)</summary><table>{headers}</table></details>"
                )
            };
            format!(
                "{heading}<p class=\"request-line\"><span class=\"method\">{}</span> <code class=\"url\">{}</code></p>{sent_to}{body}{headers}",
                escape(request["method"].as_str().unwrap_or("")),
                escape(request["url"].as_str().unwrap_or("")),
            )
        })
        .collect()
}

/// The page for a pending plan: everything to review, then the phrase field.
pub(super) fn plan_page(plan: &Value, facts: Facts) -> String {
    let summary = readable::summary(plan["summary"].as_str().unwrap_or("a change"));
    let phrase = plan["confirm_phrase"].as_str().unwrap_or("");
    let mut flags = String::new();
    if facts.destructive {
        flags.push_str("<span class=\"badge destructive\">Destructive</span>");
    }
    if facts.forced {
        flags.push_str("<span class=\"badge forced\">Forced</span>");
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!("<div class=\"flags\">{flags}</div>")
    };
    let mut notices = String::new();
    if facts.emulator {
        notices.push_str(
            "<section class=\"notice emulator\" aria-labelledby=\"n-emu\"><h2 id=\"n-emu\">Emulated cloud</h2>\
             <p>The target is skillgate's built-in emulator: this changes emulated state, not a real cloud account.</p></section>",
        );
    }
    if facts.destructive {
        notices.push_str(
            "<section class=\"notice danger\" aria-labelledby=\"n-destroy\"><h2 id=\"n-destroy\">Destructive change</h2>\
             <p>This removes or shrinks something. It cannot be undone from here.</p></section>",
        );
    }
    if facts.forced {
        let why = summary
            .force_note
            .as_deref()
            .map(|note| format!("<p>{}.</p>", escape(&readable_sentence(note))))
            .unwrap_or_default();
        notices.push_str(&format!(
            "<section class=\"notice warn\" aria-labelledby=\"n-force\"><h2 id=\"n-force\">Forced change</h2>{why}\
             <p>It goes ahead only with the force phrase below.</p></section>"
        ));
    }
    let cost = match plan.get("cost") {
        Some(cost) if !cost.is_null() => format!(
            "<h2>Cost</h2><p>{}</p>",
            readable::cost(cost)
                .iter()
                .map(|line| escape(line))
                .collect::<Vec<_>>()
                .join("<br>")
        ),
        _ => String::new(),
    };
    let danger = if facts.destructive || facts.forced {
        " danger"
    } else {
        ""
    };
    let body = format!(
        "<p class=\"eyebrow\">Review before it happens · nothing has changed yet</p>\
         <h1>{headline}</h1>\
         <p class=\"meta\">Target <code>{target}</code> · tool <code>{tool}</code></p>{flags}{notices}\
         <h2>Change</h2>{changes}{cost}{warnings}\
         <h2>Exact request</h2><p class=\"meta\">This is the request that will be sent, as it stands; nothing else is sent.</p>{requests}\
         {checks}\
         <form method=\"post\" class=\"confirm{danger}\" aria-labelledby=\"confirm-h\">\
         <h2 id=\"confirm-h\">Confirm</h2>\
         <p>To make this change, type this phrase exactly:</p>\
         <p class=\"phrase\"><code>{phrase}</code></p>\
         <label for=\"phrase-input\">Confirmation phrase</label>\
         <input id=\"phrase-input\" name=\"phrase\" type=\"text\" autocomplete=\"off\" autocapitalize=\"off\" spellcheck=\"false\" aria-describedby=\"phrase-help\">\
         <p id=\"phrase-help\" class=\"help\">Anything else cancels the plan, and nothing changes.</p>\
         <div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"confirm\" class=\"primary{danger}\">Confirm change</button>\
         <button type=\"submit\" name=\"action\" value=\"cancel\" class=\"secondary\">Cancel</button></div></form>\
         <footer><p>This link works once and expires at {expires}. Plan <code>{plan_id}</code>.</p></footer>",
        headline = escape(&summary.headline),
        target = escape(plan["target"].as_str().unwrap_or("")),
        tool = escape(plan["tool"].as_str().unwrap_or("")),
        changes = change_table(plan),
        warnings = warnings(plan),
        requests = requests(plan, facts.emulator),
        checks = passed_checks(plan),
        phrase = escape(phrase),
        expires = escape(&readable_time(plan["expires_at"].as_str().unwrap_or(""))),
        plan_id = escape(plan["plan_id"].as_str().unwrap_or("")),
    );
    document(
        &format!("Confirm: {}", summary.headline),
        facts.emulator,
        "",
        &body,
    )
}

/// A note as a sentence: capitalised, without a trailing period (the caller adds one).
fn readable_sentence(text: &str) -> String {
    readable::summary(text.trim_end_matches('.')).headline
}

/// How a page's answer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Ending {
    /// The change was made.
    Done,
    /// The human cancelled.
    Cancelled,
    /// Refused or failed.
    NotDone,
}

/// The page after the human answered (or on a later visit, `again`).
pub(super) fn outcome_page(
    ending: Ending,
    outcome: &Value,
    summary: &str,
    emulator: bool,
    again: bool,
) -> String {
    let headline = readable::summary(summary).headline;
    let (title, class, lead) = match ending {
        Ending::Done => (
            "Done",
            "result-ok",
            format!("{headline}: the change was made."),
        ),
        Ending::Cancelled => (
            "Cancelled",
            "result-cancelled",
            format!("{headline}: cancelled. Nothing was changed."),
        ),
        Ending::NotDone => (
            "Not done",
            "result-failed",
            format!("{headline}: not done."),
        ),
    };
    let mut body = String::new();
    if again {
        body.push_str(&format!(
            "<h1>This link was already used</h1>\
             <p>It works once. Nothing more can be done from this page; ask the assistant to plan the change again if it is still wanted.</p>\
             <h2>What happened: {title}</h2><p>{}</p>",
            escape(&lead)
        ));
    } else {
        body.push_str(&format!("<h1>{title}</h1><p>{}</p>", escape(&lead)));
    }
    if ending == Ending::NotDone {
        let error = &outcome["error"];
        let kind = error["type"].as_str().unwrap_or("error");
        body.push_str(&format!(
            "<h2>Why</h2><p><strong>{}</strong>: {}</p>",
            escape(&readable::label(kind)),
            escape(error["message"].as_str().unwrap_or(""))
        ));
        if let Some(hint) = error["user_action"].as_str() {
            body.push_str(&format!("<h2>What to do</h2><p>{}</p>", escape(hint)));
        }
    }
    if ending == Ending::Done {
        if let Some(result) = outcome["result"].as_object().filter(|r| !r.is_empty()) {
            let rows: String = result
                .iter()
                .map(|(key, value)| {
                    format!(
                        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                        escape(&readable::label(key)),
                        cell(&readable::lines(value))
                    )
                })
                .collect();
            body.push_str(&format!("<h2>Result</h2><table>{rows}</table>"));
        }
        let ids: Vec<String> = outcome["request_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|id| format!("<code>{}</code>", escape(id)))
            .collect();
        if !ids.is_empty() {
            body.push_str(&format!(
                "<p class=\"meta\">Provider request id: {}</p>",
                ids.join(", ")
            ));
        }
    }
    body.push_str(&format!(
        "<details><summary>The full answer (JSON)</summary><pre>{}</pre></details><footer><p>You can close this page.</p></footer>",
        escape(&serde_json::to_string_pretty(outcome).unwrap_or_default())
    ));
    document(title, emulator, class, &body)
}

/// A link that is unknown, expired or was never valid.
pub(super) fn gone_page() -> String {
    document(
        "Link not valid",
        false,
        "",
        "<h1>This confirmation link is not valid</h1>\
         <p>It expired, or it never existed. Nothing was changed.</p>\
         <p>Ask the assistant to plan the change again.</p>",
    )
}

/// The state store did not answer: the link may still be good, nothing was done.
pub(super) fn unavailable_page() -> String {
    document(
        "Try again shortly",
        false,
        "",
        "<h1>The confirmation cannot be checked right now</h1>\
         <p>The server's state store is not answering. Nothing was changed.</p>\
         <p>Reload this page in a moment; the link stays valid until the plan expires.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan() -> Value {
        json!({
            "plan_id": "plan-1", "tool": "pai_quota_delete", "summary": "delete quota `q<1>`",
            "target": "quota:q<1>", "confirm_phrase": "CONFIRM q<1>",
            "dry_run": [{"method": "DELETE", "url": "https://pai.example/api/v1/quotas/q1",
                         "headers": {"authorization": "ACS3-HMAC-SHA256 Credential=LTAI****"},
                         "body": null, "sent_to": "http://127.0.0.1:9"}],
            "checks": [{"check": "no_dependents", "result": "ok", "detail": {"children": 0}}],
            "diff": {"quota": {"current": "q<1>", "target": null}},
            "expires_at": "2026-12-02T03:06:46Z", "emulator": true,
        })
    }

    #[test]
    fn the_page_is_plain_words_escaped_and_marked() {
        let page = plan_page(
            &plan(),
            Facts {
                destructive: true,
                forced: false,
                emulator: true,
            },
        );
        assert!(page.contains("<h1>Delete quota q&lt;1&gt;</h1>"), "{page}");
        assert!(!page.contains('`'), "no Markdown backticks");
        assert!(!page.contains("q<1>"), "every value is escaped");
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("Destructive change"));
        assert!(page.contains("class=\"badge emulator\""));
        assert!(page.contains("<span class=\"tag removed\">removed</span>"));
        assert!(page.contains("<label for=\"phrase-input\">"));
        assert!(page.contains("2026-12-02 03:06:46 UTC"));
        assert!(!page.contains("<script"));
        assert!(!page.contains("Forced change"));
    }

    #[test]
    fn the_policy_admits_exactly_the_page_style() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!policy.contains("unsafe-inline"));
        let page = plan_page(&plan(), Facts::default());
        let style = page
            .split("<style>")
            .nth(1)
            .and_then(|rest| rest.split("</style>").next())
            .expect("one style element");
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style));
        assert!(policy.contains(&digest));
    }

    #[test]
    fn a_forced_plan_says_why() {
        let mut forced = plan();
        forced["summary"] = json!(
            "scale quota `q1` (FORCE: the target's capacity is below current usage in gpu: running workloads may be preempted)"
        );
        forced["checks"] = json!([{"check": "usage_within_target", "result": "force_required",
                                   "detail": {"used": {"gpu": 2.0}}}]);
        assert!(Facts::forced(&forced));
        let page = plan_page(
            &forced,
            Facts {
                forced: true,
                ..Facts::default()
            },
        );
        assert!(page.contains("<h1>Scale quota q1</h1>"), "{page}");
        assert!(page.contains("Forced change"));
        assert!(page.contains("running workloads may be preempted"));
        assert!(page.contains("<h2 id=\"warnings\">Warnings</h2>"));
        assert!(page.contains("used: gpu: 2"));
    }
}
