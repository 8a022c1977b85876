//! The `aws-sqs-queue` scaler against moto's SQS server on loopback (started by
//! `scripts/servers.sh`, read from `KEDA_TEST_MOTO_URL`; the tests fail without it). Queue states
//! are produced with the AWS SDK's own SQS client: visible messages, messages received but not
//! deleted (in flight) and delayed messages (`DelaySeconds`).
#![cfg(feature = "aws-sqs")]
#![recursion_limit = "256"]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod io_support;
mod support;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use keda_core::error::ScalerErrorKind;
use keda_core::scaler::{Scaler, ScalerConfig};
use keda_scalers::ScalerRegistry;
use keda_scalers::aws_sqs::AwsSqsScaler;
use support::{error_kind, server_var, trigger, unique};

const KEY_ID: &str = "AKIDTESTKEYID";
const SECRET: &str = "sqs-secret-Zm9vYmFy";
const SESSION: &str = "sqs-session-token-c2VjcmV0";

fn client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEY_ID, SECRET, None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

async fn create_queue(sqs: &aws_sdk_sqs::Client, name: &str) -> String {
    sqs.create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

async fn send(sqs: &aws_sdk_sqs::Client, url: &str, count: usize, delay_seconds: i32) {
    for i in 0..count {
        sqs.send_message()
            .queue_url(url)
            .message_body(format!("m{i}"))
            .delay_seconds(delay_seconds)
            .send()
            .await
            .expect("send");
    }
}

/// Receives `count` messages without deleting them: they stay in flight for 10 minutes.
async fn receive(sqs: &aws_sdk_sqs::Client, url: &str, count: usize) {
    let mut received = 0;
    while received < count {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(i32::try_from(count - received).unwrap())
            .visibility_timeout(600)
            .send()
            .await
            .expect("receive");
        received += out.messages.unwrap_or_default().len();
    }
}

fn sqs_trigger(endpoint: &str, url: &str, extra: &[(&str, &str)]) -> ScalerConfig {
    let mut meta = vec![
        ("queueURL", url),
        ("awsRegion", "us-east-1"),
        ("awsEndpoint", endpoint),
    ];
    meta.extend_from_slice(extra);
    trigger(
        "aws-sqs-queue",
        &meta,
        &[("awsAccessKeyID", KEY_ID), ("awsSecretAccessKey", SECRET)],
    )
}

async fn poll(scaler: &dyn Scaler) -> (i64, bool) {
    let name = scaler.metric_specs()[0].metric_name.clone();
    let m = tokio::time::timeout(Duration::from_secs(60), scaler.metrics_and_activity(&name))
        .await
        .expect("poll hung")
        .expect("poll failed");
    (m.values[0].value_milli / 1000, m.active)
}

#[tokio::test]
async fn visible_in_flight_and_delayed_per_flags() {
    let endpoint = server_var("KEDA_TEST_MOTO_URL");
    let sqs = client(&endpoint);
    let name = unique("orders");
    let url = create_queue(&sqs, &name).await;
    send(&sqs, &url, 3, 0).await;
    receive(&sqs, &url, 3).await; // 3 in flight
    send(&sqs, &url, 5, 0).await; // 5 visible
    send(&sqs, &url, 2, 600).await; // 2 delayed

    let reg = ScalerRegistry::new();
    let s = reg.build(&sqs_trigger(&endpoint, &url, &[])).await.unwrap();
    let spec = &s.metric_specs()[0];
    assert_eq!(spec.metric_name, format!("s0-aws-sqs-{name}"));
    assert_eq!(spec.target_milli, 5000, "queueLength defaults to 5");
    // Defaults: visible + in flight.
    assert_eq!(poll(s.as_ref()).await, (8, true));
    let s = reg
        .build(&sqs_trigger(
            &endpoint,
            &url,
            &[("scaleOnInFlight", "false")],
        ))
        .await
        .unwrap();
    assert_eq!(poll(s.as_ref()).await, (5, true));
    let s = reg
        .build(&sqs_trigger(&endpoint, &url, &[("scaleOnDelayed", "true")]))
        .await
        .unwrap();
    assert_eq!(poll(s.as_ref()).await, (10, true));
    let s = reg
        .build(&sqs_trigger(
            &endpoint,
            &url,
            &[("scaleOnInFlight", "false"), ("scaleOnDelayed", "true")],
        ))
        .await
        .unwrap();
    assert_eq!(poll(s.as_ref()).await, (7, true));
    // Activity is strictly greater than activationQueueLength.
    let s = reg
        .build(&sqs_trigger(
            &endpoint,
            &url,
            &[("activationQueueLength", "8")],
        ))
        .await
        .unwrap();
    assert_eq!(poll(s.as_ref()).await, (8, false));
}

#[tokio::test]
async fn empty_and_missing_queues() {
    let endpoint = server_var("KEDA_TEST_MOTO_URL");
    let sqs = client(&endpoint);
    let url = create_queue(&sqs, &unique("empty")).await;
    let s = AwsSqsScaler::connect(&sqs_trigger(&endpoint, &url, &[]))
        .await
        .unwrap();
    assert_eq!(poll(&s).await, (0, false));

    let missing = format!("{endpoint}/123456789012/{}", unique("missing"));
    let s = AwsSqsScaler::connect(&sqs_trigger(&endpoint, &missing, &[]))
        .await
        .unwrap();
    let err = s
        .metrics_and_activity("s0-aws-sqs-missing")
        .await
        .unwrap_err();
    assert_eq!(error_kind(&err), Some(ScalerErrorKind::Query), "{err}");
}

/// A moto server of this test alone, so it can be stopped and restarted.
struct OwnMoto {
    port: u16,
    child: Child,
}

impl OwnMoto {
    fn start(port: u16) -> Self {
        let mut moto = Self {
            port,
            child: Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("moto_server is installed by scripts/servers.sh"),
        };
        for _ in 0..300 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return moto;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        moto.stop();
        panic!("moto_server did not listen on {port}");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        self.child.kill().expect("kill our moto_server");
        self.child.wait().expect("reap our moto_server");
    }
}

impl Drop for OwnMoto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn server_stopped_while_polling_then_restarted() {
    // Requires the shared server too, so a machine without the project's servers fails here.
    let _ = server_var("KEDA_TEST_MOTO_URL");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut moto = OwnMoto::start(port);
    let endpoint = moto.url();
    let name = unique("faults");
    let url = create_queue(&client(&endpoint), &name).await;
    send(&client(&endpoint), &url, 4, 0).await;

    let mut config = sqs_trigger(&endpoint, &url, &[]);
    config.global_http_timeout = Duration::from_secs(2);
    let s = AwsSqsScaler::connect(&config).await.unwrap();
    assert_eq!(poll(&s).await, (4, true));

    moto.stop();
    // The outer bound only detects a hang; the error must come from the 2 s operation timeout.
    let err = tokio::time::timeout(Duration::from_secs(60), s.metrics_and_activity("m"))
        .await
        .expect("no answer while moto is down")
        .unwrap_err();
    assert!(
        matches!(
            error_kind(&err),
            Some(ScalerErrorKind::Connection | ScalerErrorKind::Timeout)
        ),
        "{err:?}"
    );

    // moto keeps state in memory: after the restart the queue is recreated under the same URL.
    let _moto = OwnMoto::start(port);
    assert_eq!(create_queue(&client(&endpoint), &name).await, url);
    send(&client(&endpoint), &url, 1, 0).await;
    assert_eq!(poll(&s).await, (1, true));
}

#[tokio::test]
async fn credentials_stay_out_of_debug_errors_and_logs() {
    let (logs, _guard) = io_support::capture_logs();

    let endpoint = server_var("KEDA_TEST_MOTO_URL");
    let url = create_queue(&client(&endpoint), &unique("secrets")).await;
    let mut shown = Vec::new();
    let mut config = sqs_trigger(&endpoint, &url, &[]);
    config
        .auth_params
        .insert("awsSessionToken".into(), SESSION.into());
    shown.push(format!("{config:?}"));
    let s = AwsSqsScaler::connect(&config).await.unwrap();
    shown.push(format!("{s:?}"));
    shown.push(format!("{:?}", s.metrics_and_activity("m").await));
    // A failing call: nothing listens on port 1.
    let mut failing = sqs_trigger("http://127.0.0.1:1", "http://127.0.0.1:1/1/q", &[]);
    failing
        .auth_params
        .insert("awsSessionToken".into(), SESSION.into());
    failing.global_http_timeout = Duration::from_secs(1);
    let s = AwsSqsScaler::connect(&failing).await.unwrap();
    let err = s.metrics_and_activity("m").await.unwrap_err();
    shown.push(format!("{err} {err:?}"));
    // Missing secret: the error names the parameter, not a value.
    let half = trigger(
        "aws-sqs-queue",
        &[("queueURL", &url), ("awsRegion", "us-east-1")],
        &[("awsAccessKeyID", KEY_ID), ("awsSessionToken", SESSION)],
    );
    let err = AwsSqsScaler::connect(&half).await.unwrap_err();
    assert_eq!(err.to_string(), "awsSecretAccessKey not found");

    let logged = logs.text();
    assert!(
        !logged.is_empty(),
        "the SDK logged nothing at TRACE: the capture is broken"
    );
    io_support::assert_no_secret(shown.iter().chain([&logged]), &[SECRET, SESSION]);
}
