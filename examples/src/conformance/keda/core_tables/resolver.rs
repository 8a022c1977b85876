//! `resolver.json`: trigger input resolution (`pkg/scaling/resolver/scale_resolvers_test.go`).

use std::collections::BTreeMap;

use keda_core::manifest::{AuthPodIdentity, AuthenticationRef, TriggerAuthenticationSpec};
use keda_core::resolver::{self, Container, InMemoryObjects, ResolveOptions};
use serde_json::Value;

use super::super::super::check::{Checks, str_at};
use super::super::super::{Case, Handler, Outcome, Table};
use super::{at, go_to_json};

/// The namespace the upstream test resolves in.
const NAMESPACE: &str = "test-namespace";
/// `KEDA_CLUSTER_OBJECT_NAMESPACE` in the upstream test.
const CLUSTER_NAMESPACE: &str = "keda";
/// The token the upstream test's mocked TokenRequest returns for any existing ServiceAccount.
const MOCK_TOKEN: &str = "k8s-bsat-token";

pub(super) fn lookup(name: &str) -> Option<Handler> {
    Some(match name {
        "TestResolveDependentEnv.tests" => dependent_env,
        "TestResolveAuthRef.tests" => auth_ref,
        _ => return None,
    })
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

fn dependent_env(_: &Table, c: &Case) -> Outcome {
    let container: Container =
        match serde_json::from_value(go_to_json(at(at(&c.data, "inputs"), "container"))) {
            Ok(c) => c,
            Err(e) => return Outcome::Fail(format!("vector container: {e}")),
        };
    let mut k = Checks::default();
    match resolver::resolve_env(&container, NAMESPACE, &InMemoryObjects::default()) {
        Ok(got) => k.eq(
            "env",
            got,
            string_map(at(at(&c.data, "expect"), "expected")),
        ),
        Err(e) => k.fail(format!("unexpected error: {e}")),
    }
    k.outcome()
}

/// The fake client's objects as an in-memory store.
fn objects(existing: &Value) -> Result<InMemoryObjects, String> {
    let mut store = InMemoryObjects::default();
    for obj in existing.as_array().into_iter().flatten() {
        let kind = str_at(obj, "$type").unwrap_or_default();
        let json = go_to_json(obj);
        let meta = at(&json, "metadata");
        let (ns, name) = (
            str_at(meta, "namespace").unwrap_or_default(),
            str_at(meta, "name").unwrap_or_default(),
        );
        let spec = || -> Result<TriggerAuthenticationSpec, String> {
            keda_core::manifest::from_value(at(&json, "spec").clone())
                .map_err(|e| format!("vector {kind}: {e}"))
        };
        store = match kind {
            "kedav1alpha1.TriggerAuthentication" => {
                store.with_trigger_authentication(ns, name, spec()?)
            }
            "kedav1alpha1.ClusterTriggerAuthentication" => {
                store.with_cluster_trigger_authentication(name, spec()?)
            }
            "corev1.Secret" => store.with_secret(ns, name, string_map(at(&json, "data"))),
            "corev1.ConfigMap" => store.with_config_map(ns, name, string_map(at(&json, "data"))),
            "corev1.ServiceAccount" => store
                .with_service_account(ns, name, BTreeMap::new())
                .with_service_account_token(ns, name, MOCK_TOKEN),
            other => return Err(format!("unknown object type {other}")),
        };
    }
    Ok(store)
}

fn auth_ref(_: &Table, c: &Case) -> Outcome {
    let inputs = at(&c.data, "inputs");
    let store = match objects(at(inputs, "existing")) {
        Ok(s) => s,
        Err(e) => return Outcome::Fail(e),
    };
    let soar: Option<AuthenticationRef> = match at(inputs, "soar") {
        Value::Null => None,
        v => match keda_core::manifest::from_value(go_to_json(v)) {
            Ok(r) => Some(r),
            Err(e) => return Outcome::Fail(format!("vector soar: {e}")),
        },
    };
    let mut options = ResolveOptions::default();
    options.cluster_object_namespace = CLUSTER_NAMESPACE.into();
    let expect = at(&c.data, "expect");
    let want_identity: AuthPodIdentity =
        match keda_core::manifest::from_value(go_to_json(at(expect, "expectedPodIdentity"))) {
            Ok(p) => p,
            Err(e) => return Outcome::Fail(format!("vector expectedPodIdentity: {e}")),
        };
    let got = resolver::resolve_auth_ref(&store, soar.as_ref(), None, NAMESPACE, &options);
    let mut k = Checks::default();
    k.eq(
        "isError",
        got.is_err(),
        at(expect, "isError").as_bool().unwrap_or(false),
    );
    let (params, identity) = got.map(|r| (r.params, r.pod_identity)).unwrap_or_default();
    k.eq("params", params, string_map(at(expect, "expected")));
    k.eq("pod identity", identity, want_identity);
    k.outcome()
}
