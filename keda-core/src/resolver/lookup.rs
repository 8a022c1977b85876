//! Reading the cluster objects the resolver needs.

use std::collections::BTreeMap;

use crate::manifest::TriggerAuthenticationSpec;

/// Read access to the objects auth resolution consults, keyed by namespace and name.
///
/// Synchronous on purpose: KEDA reads these through controller-runtime's informer cache, and a
/// caller with a Kubernetes client plugs its cache (or a prefetched snapshot) in here.
/// Secret values are returned decoded (Kubernetes stores them base64-encoded).
pub trait ObjectLookup {
    /// The data of Secret `namespace/name`.
    fn secret(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>>;
    /// The data of ConfigMap `namespace/name`.
    fn config_map(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>>;
    /// The spec of TriggerAuthentication `namespace/name`.
    fn trigger_authentication(
        &self,
        namespace: &str,
        name: &str,
    ) -> Option<TriggerAuthenticationSpec>;
    /// The spec of ClusterTriggerAuthentication `name`.
    fn cluster_trigger_authentication(&self, name: &str) -> Option<TriggerAuthenticationSpec>;
    /// The annotations of ServiceAccount `namespace/name`, if it exists.
    fn service_account(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>>;
    /// A bound token for ServiceAccount `namespace/name` (KEDA's TokenRequest), if one can be issued.
    fn service_account_token(&self, namespace: &str, name: &str) -> Option<String>;
    /// The contents of `filePath` (relative to KEDA's `filepath-auth-root-path`), if configured.
    fn auth_file(&self, _relative_path: &str) -> Option<String> {
        None
    }
}

type Key = (String, String);

/// An in-memory [`ObjectLookup`] for tests, simulations and offline validation.
#[derive(Debug, Clone, Default)]
pub struct InMemoryObjects {
    /// Secrets by (namespace, name).
    pub secrets: BTreeMap<Key, BTreeMap<String, String>>,
    /// ConfigMaps by (namespace, name).
    pub config_maps: BTreeMap<Key, BTreeMap<String, String>>,
    /// TriggerAuthentications by (namespace, name).
    pub trigger_authentications: BTreeMap<Key, TriggerAuthenticationSpec>,
    /// ClusterTriggerAuthentications by name.
    pub cluster_trigger_authentications: BTreeMap<String, TriggerAuthenticationSpec>,
    /// ServiceAccounts' annotations by (namespace, name).
    pub service_accounts: BTreeMap<Key, BTreeMap<String, String>>,
    /// Tokens issued for ServiceAccounts, by (namespace, name).
    pub service_account_tokens: BTreeMap<Key, String>,
    /// Auth files by relative path.
    pub auth_files: BTreeMap<String, String>,
}

fn key(namespace: &str, name: &str) -> Key {
    (namespace.to_owned(), name.to_owned())
}

impl InMemoryObjects {
    /// Adds a Secret.
    pub fn with_secret<K: Into<String>, V: Into<String>>(
        mut self,
        namespace: &str,
        name: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.secrets.insert(
            key(namespace, name),
            data.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Adds a ConfigMap.
    pub fn with_config_map<K: Into<String>, V: Into<String>>(
        mut self,
        namespace: &str,
        name: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.config_maps.insert(
            key(namespace, name),
            data.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Adds a TriggerAuthentication.
    pub fn with_trigger_authentication(
        mut self,
        namespace: &str,
        name: &str,
        spec: TriggerAuthenticationSpec,
    ) -> Self {
        self.trigger_authentications
            .insert(key(namespace, name), spec);
        self
    }

    /// Adds a ClusterTriggerAuthentication.
    pub fn with_cluster_trigger_authentication(
        mut self,
        name: &str,
        spec: TriggerAuthenticationSpec,
    ) -> Self {
        self.cluster_trigger_authentications
            .insert(name.to_owned(), spec);
        self
    }

    /// Adds a ServiceAccount with annotations.
    pub fn with_service_account(
        mut self,
        namespace: &str,
        name: &str,
        annotations: BTreeMap<String, String>,
    ) -> Self {
        self.service_accounts
            .insert(key(namespace, name), annotations);
        self
    }

    /// Makes token requests for ServiceAccount `namespace/name` return `token`.
    pub fn with_service_account_token(
        mut self,
        namespace: &str,
        name: &str,
        token: impl Into<String>,
    ) -> Self {
        self.service_account_tokens
            .insert(key(namespace, name), token.into());
        self
    }
}

impl ObjectLookup for InMemoryObjects {
    fn secret(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>> {
        self.secrets.get(&key(namespace, name)).cloned()
    }
    fn config_map(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>> {
        self.config_maps.get(&key(namespace, name)).cloned()
    }
    fn trigger_authentication(
        &self,
        namespace: &str,
        name: &str,
    ) -> Option<TriggerAuthenticationSpec> {
        self.trigger_authentications
            .get(&key(namespace, name))
            .cloned()
    }
    fn cluster_trigger_authentication(&self, name: &str) -> Option<TriggerAuthenticationSpec> {
        self.cluster_trigger_authentications.get(name).cloned()
    }
    fn service_account(&self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>> {
        self.service_accounts.get(&key(namespace, name)).cloned()
    }
    fn service_account_token(&self, namespace: &str, name: &str) -> Option<String> {
        self.service_account_tokens
            .get(&key(namespace, name))
            .cloned()
    }
    fn auth_file(&self, relative_path: &str) -> Option<String> {
        self.auth_files.get(relative_path).cloned()
    }
}
