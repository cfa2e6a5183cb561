//! OBS on the Huawei front over HTTP, signed by a tiny client built from
//! `skillgate::signing::obs` only: the real host and the loopback (path style, `OBS` and `AWS`
//! flavors), a wrong signature answered `403 SignatureDoesNotMatch` as XML, buckets created,
//! listed and deleted with their 404/409 rules, an unserved operation `405 MethodNotAllowed`.

use serde_json::Value;
use skillgate::emulator::{self, EmulatorOptions};
use skillgate::signing::obs::{self as signer, Flavor};
use time::OffsetDateTime;
use time::macros::format_description;

struct Obs {
    handle: emulator::EmulatorHandle,
    account: Value,
    http: reqwest::Client,
}

struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn code(&self) -> String {
        self.body
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.to_owned())
            .unwrap_or_default()
    }
}

fn now_date() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .expect("date")
}

impl Obs {
    async fn start() -> Self {
        let handle = emulator::start(([127, 0, 0, 1], 0).into(), EmulatorOptions::default())
            .await
            .expect("emulator starts");
        let line: Value = serde_json::from_str(&handle.startup_line()).expect("startup line");
        Self {
            account: line["huawei"].clone(),
            handle,
            http: reqwest::Client::new(),
        }
    }

    fn key(&self, name: &str) -> String {
        self.account[name].as_str().expect("key").to_owned()
    }

    /// One signed call; `host` is the signed `Host` (the request still goes to the emulator).
    async fn send(
        &self,
        method: &str,
        bucket: Option<&str>,
        body: &str,
        flavor: Flavor,
        host: &str,
        secret: Option<&str>,
    ) -> Answer {
        let path = bucket.map_or("/".to_owned(), |b| format!("/{b}"));
        let mut headers = vec![("Date".to_owned(), now_date())];
        if !body.is_empty() {
            headers.push(("Content-Type".to_owned(), "application/xml".to_owned()));
        }
        let resource = signer::canonical_resource(bucket, None, &[], true, flavor);
        let secret = secret.map_or_else(|| self.key("secret_key"), str::to_owned);
        let signed = signer::sign(
            method,
            &headers,
            &resource,
            flavor,
            &self.key("access_key"),
            &secret,
        );
        let url = format!("{}{path}", self.handle.endpoint);
        let mut request = self
            .http
            .request(method.parse().expect("method"), url)
            .header("Host", host)
            .header("Authorization", signed.authorization)
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("sent");
        Answer {
            status: response.status().as_u16(),
            body: response.text().await.expect("body"),
        }
    }
}

const HOST: &str = "obs.cn-north-4.myhuaweicloud.com";

#[tokio::test]
async fn obs_buckets_follow_the_rules_on_the_host_and_on_loopback() {
    let obs = Obs::start().await;
    let listed = obs.send("GET", None, "", Flavor::Obs, HOST, None).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(
        listed.body.contains("<Name>demo-bucket</Name>")
            && listed.body.contains("<Name>demo-empty-bucket</Name>")
    );

    let config =
        "<CreateBucketConfiguration><Location>cn-east-3</Location></CreateBucketConfiguration>";
    let made = obs
        .send("PUT", Some("emu-bucket"), config, Flavor::Obs, HOST, None)
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let again = obs
        .send("PUT", Some("emu-bucket"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(
        (again.status, again.code().as_str()),
        (409, "BucketAlreadyOwnedByYou")
    );
    let taken = obs
        .send("PUT", Some("public-datasets"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(
        (taken.status, taken.code().as_str()),
        (409, "BucketAlreadyExists")
    );
    let bad = obs
        .send(
            "PUT",
            Some("x"),
            "<CreateBucketConfiguration><Location>mars-1</Location></CreateBucketConfiguration>",
            Flavor::Obs,
            HOST,
            None,
        )
        .await;
    assert_eq!(
        (bad.status, bad.code().as_str()),
        (400, "InvalidBucketName")
    );
    let far = obs
        .send(
            "PUT",
            Some("far-bucket"),
            "<CreateBucketConfiguration><Location>mars-1</Location></CreateBucketConfiguration>",
            Flavor::Obs,
            HOST,
            None,
        )
        .await;
    assert_eq!(
        (far.status, far.code().as_str()),
        (400, "InvalidLocationConstraint")
    );

    // Loopback with the SDK's path-style flavor sees the same account-wide buckets.
    let local = obs.handle.endpoint.trim_start_matches("http://").to_owned();
    let listed = obs.send("GET", None, "", Flavor::V2, &local, None).await;
    assert!(
        listed
            .body
            .contains("<Name>emu-bucket</Name><CreationDate>"),
        "{}",
        listed.body
    );
    assert!(
        listed.body.contains("<Location>cn-east-3</Location>"),
        "{}",
        listed.body
    );

    let full = obs
        .send("DELETE", Some("demo-bucket"), "", Flavor::V2, &local, None)
        .await;
    assert_eq!((full.status, full.code().as_str()), (409, "BucketNotEmpty"));
    let gone = obs
        .send("DELETE", Some("emu-bucket"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    let missing = obs
        .send("DELETE", Some("emu-bucket"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "NoSuchBucket")
    );
    let listing = obs
        .send("GET", Some("demo-bucket"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(
        listing.status, 405,
        "ListObjects is not served: {}",
        listing.body
    );
    let unserved = obs
        .send("POST", Some("demo-bucket"), "", Flavor::Obs, HOST, None)
        .await;
    assert_eq!(unserved.status, 405, "{}", unserved.body);
    assert!(
        unserved.body.contains("not implemented in the emulator"),
        "{}",
        unserved.body
    );
}

#[tokio::test]
async fn a_wrong_obs_signature_is_an_xml_signature_does_not_match() {
    let obs = Obs::start().await;
    let denied = obs
        .send("GET", None, "", Flavor::Obs, HOST, Some("wrong-secret"))
        .await;
    assert_eq!(
        (denied.status, denied.code().as_str()),
        (403, "SignatureDoesNotMatch")
    );
    assert!(
        denied.body.starts_with("<?xml") && denied.body.contains("StringToSign"),
        "{}",
        denied.body
    );
    let made = obs
        .send(
            "PUT",
            Some("never-made"),
            "",
            Flavor::V2,
            HOST,
            Some("wrong-secret"),
        )
        .await;
    assert_eq!(made.status, 403);
    let listed = obs.send("GET", None, "", Flavor::Obs, HOST, None).await;
    assert!(
        !listed.body.contains("never-made"),
        "a refused request changes nothing"
    );
}
