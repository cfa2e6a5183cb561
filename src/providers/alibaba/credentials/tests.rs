use std::collections::HashMap;
use std::path::Path;

use super::*;

const SECRET: &str = "Sup3rSecretValue0123456789";

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

fn write(home: &Path, relative: &str, text: &str) {
    let path = home.join(relative);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn chain(
    env: &[(&str, &str)],
    home: &Path,
) -> Result<Option<AlibabaCredentials>, CredentialsError> {
    AlibabaCredentials::from_default_chain(&env_of(env), Some(home))
}

#[test]
fn nothing_configured_is_none() {
    let home = tempfile::tempdir().expect("tempdir");
    assert!(chain(&[], home.path()).expect("no error").is_none());
    assert!(
        AlibabaCredentials::from_default_chain(&env_of(&[]), None)
            .expect("no error")
            .is_none()
    );
}

#[test]
fn environment_wins_and_carries_the_sts_token() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = FILE\naccess_key_secret = file\n",
    );
    let creds = chain(
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAIenv"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "token-value"),
        ],
        home.path(),
    )
    .expect("ok")
    .expect("found");
    assert_eq!(creds.source, "env");
    assert_eq!(creds.access_key_id, "LTAIenv");
    assert_eq!(creds.access_key_secret.expose(), SECRET);
    assert_eq!(
        creds.security_token.as_ref().map(Secret::expose),
        Some("token-value")
    );
}

#[test]
fn half_an_env_pair_is_an_error_naming_the_missing_variable() {
    let home = tempfile::tempdir().expect("tempdir");
    let error =
        chain(&[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)], home.path()).expect_err("incomplete");
    let text = error.to_string();
    assert!(text.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{text}");
    assert!(!text.contains(SECRET));
}

#[test]
fn ini_file_default_and_named_profile_with_both_file_names() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".alibabacloud/credentials",
        "[default]\ntype = access_key # comment\naccess_key_id = LTAIdefault\naccess_key_secret = s1\n\n[work]\ntype = access_key\naccess_key_id = LTAIwork\naccess_key_secret = s2\n",
    );
    let creds = chain(&[], home.path()).expect("ok").expect("found");
    assert_eq!(
        (creds.access_key_id.as_str(), creds.source),
        ("LTAIdefault", "credentials_file")
    );
    let creds = chain(&[("ALIBABA_CLOUD_PROFILE", "work")], home.path())
        .expect("ok")
        .expect("found");
    assert_eq!(creds.access_key_secret.expose(), "s2");

    // `credentials.ini` takes precedence over `credentials`, as in the Python SDK.
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = s3\n",
    );
    let creds = chain(&[], home.path()).expect("ok").expect("found");
    assert_eq!(creds.access_key_id, "LTAIini");
}

#[test]
fn explicit_credentials_file_must_exist() {
    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("custom.ini");
    std::fs::write(
        &file,
        "[default]\ntype = access_key\naccess_key_id = LTAIcustom\naccess_key_secret = s\n",
    )
    .expect("write");
    let file_text = file.to_string_lossy().into_owned();
    let creds = chain(
        &[("ALIBABA_CLOUD_CREDENTIALS_FILE", &file_text)],
        home.path(),
    )
    .expect("ok")
    .expect("found");
    assert_eq!(creds.access_key_id, "LTAIcustom");
    let missing = home
        .path()
        .join("missing.ini")
        .to_string_lossy()
        .into_owned();
    assert!(matches!(
        chain(&[("ALIBABA_CLOUD_CREDENTIALS_FILE", &missing)], home.path()),
        Err(CredentialsError::Unreadable { .. })
    ));
}

#[test]
fn ini_role_types_are_unsupported_and_name_the_type() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = ecs_ram_role\nrole_name = r\n",
    );
    let error = chain(&[], home.path()).expect_err("unsupported");
    assert!(matches!(&error, CredentialsError::Unsupported { mode, .. } if mode == "ecs_ram_role"));
    assert!(error.to_string().contains("ecs_ram_role"));
}

#[test]
fn malformed_ini_errors_do_not_echo_secrets() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        &format!("[default]\n{SECRET}\n"),
    );
    let error = chain(&[], home.path()).expect_err("malformed");
    let text = format!("{error} {error:?}");
    assert!(text.contains("line 2"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn cli_profile_ak_and_sts_modes() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".aliyun/config.json",
        &format!(
            r#"{{"current":"main","profiles":[
              {{"name":"main","mode":"AK","access_key_id":"LTAIcli","access_key_secret":"{SECRET}","region_id":"cn-hangzhou"}},
              {{"name":"sts","mode":"StsToken","access_key_id":"STS.x","access_key_secret":"s","sts_token":"tok"}},
              {{"name":"role","mode":"RamRoleArn","access_key_id":"a","access_key_secret":"b","ram_role_arn":"acs:ram::1:role/x"}}
            ]}}"#
        ),
    );
    let creds = chain(&[], home.path()).expect("ok").expect("found");
    assert_eq!(
        (creds.access_key_id.as_str(), creds.source),
        ("LTAIcli", "cli_profile")
    );
    assert!(creds.security_token.is_none());

    let sts = chain(&[("ALIBABA_CLOUD_PROFILE", "sts")], home.path())
        .expect("ok")
        .expect("found");
    assert_eq!(sts.security_token.as_ref().map(Secret::expose), Some("tok"));

    let error = chain(&[("ALIBABA_CLOUD_PROFILE", "role")], home.path()).expect_err("unsupported");
    assert!(error.to_string().contains("RamRoleArn"), "{error}");

    // Disabling the CLI profile falls through to (absent) files: nothing found.
    assert!(
        chain(
            &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")],
            home.path()
        )
        .expect("ok")
        .is_none()
    );
}

#[test]
fn cli_profile_comes_before_the_ini_file_as_in_the_sdk() {
    let home = tempfile::tempdir().expect("tempdir");
    write(
        home.path(),
        ".aliyun/config.json",
        r#"{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"LTAIcli","access_key_secret":"s"}]}"#,
    );
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = LTAIini\naccess_key_secret = s\n",
    );
    let creds = chain(&[], home.path()).expect("ok").expect("found");
    assert_eq!(creds.access_key_id, "LTAIcli");
}

#[test]
fn oidc_and_remote_sources_are_reported_as_unsupported() {
    let home = tempfile::tempdir().expect("tempdir");
    let error = chain(
        &[
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/t"),
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/p",
            ),
        ],
        home.path(),
    )
    .expect_err("unsupported");
    assert!(error.to_string().contains("oidc_role_arn"));
    let error = chain(&[("ALIBABA_CLOUD_ECS_METADATA", "role")], home.path()).expect_err("imds");
    assert!(error.to_string().contains("ecs_ram_role"));
    let error = chain(
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:1/")],
        home.path(),
    )
    .expect_err("uri");
    assert!(error.to_string().contains("credentials_uri"));
}

#[test]
fn debug_never_shows_the_secret_or_the_full_key_id() {
    let creds = AlibabaCredentials::new(
        "LTAI5tTestAccessKeyId0001",
        SECRET,
        Some("tok-secret".to_owned()),
        "test",
    );
    let text = format!("{creds:?}");
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains("tok-secret"), "{text}");
    assert!(!text.contains("LTAI5tTestAccessKeyId0001"), "{text}");
    assert!(text.contains("LTAI****"), "{text}");
}
