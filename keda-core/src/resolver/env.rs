//! The scale target's container environment (KEDA's `ResolveContainerEnv` / `resolveEnv`).

use std::collections::BTreeMap;

use super::{Container, ObjectLookup, PodSpec};
use crate::{Error, Result};

/// KEDA's `resolveEnvValue`: expands `$(NAME)` with the variables resolved so far (`env`);
/// unknown names stay literal, `$$` is a literal `$`, `$()` and an unterminated `$(` stay literal.
/// A `$` within the last three bytes is never an operator, as in KEDA.
pub fn resolve_env_value(value: &str, env: &BTreeMap<String, String>) -> String {
    let b = value.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < b.len() {
        if b.get(cursor) == Some(&b'$') && cursor + 3 < b.len() {
            out.extend_from_slice(b.get(checkpoint..cursor).unwrap_or_default());
            let mut length = 1;
            match b.get(cursor + 1) {
                Some(b'$') => out.push(b'$'),
                Some(b'(') => match b
                    .get(cursor + 2..)
                    .and_then(|rest| rest.iter().position(|c| *c == b')'))
                {
                    Some(close) => {
                        let key = b.get(cursor + 2..cursor + 2 + close).unwrap_or_default();
                        match env.get(String::from_utf8_lossy(key).as_ref()) {
                            Some(v) => out.extend_from_slice(v.as_bytes()),
                            None => {
                                out.extend_from_slice(b"$(");
                                out.extend_from_slice(key);
                                out.push(b')');
                            }
                        }
                        length = close + 2;
                    }
                    None => out.extend_from_slice(b"$("),
                },
                Some(&other) => {
                    out.push(b'$');
                    // Go's `string(byte)` is the rune of that byte value.
                    out.extend_from_slice(char::from(other).encode_utf8(&mut [0; 4]).as_bytes());
                }
                None => {}
            }
            cursor += length;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.extend_from_slice(b.get(checkpoint..).unwrap_or_default());
    String::from_utf8_lossy(&out).into_owned()
}

/// KEDA's `resolveEnv`: `envFrom` sources first (ConfigMaps and Secrets, with prefix; a missing
/// optional source is skipped, a missing required one is an error), then `env` in order, literal
/// values expanded with [`resolve_env_value`], `valueFrom` Secret/ConfigMap keys looked up
/// (fieldRef/resourceFieldRef skipped).
pub fn resolve_env(
    container: &Container,
    namespace: &str,
    lookup: &dyn ObjectLookup,
) -> Result<BTreeMap<String, String>> {
    let mut resolved = BTreeMap::new();
    for source in &container.env_from {
        let (found, reference, what) = if let Some(r) = &source.config_map_ref {
            (lookup.config_map(namespace, &r.name), r, "config ref")
        } else if let Some(r) = &source.secret_ref {
            (lookup.secret(namespace, &r.name), r, "secret ref")
        } else {
            continue;
        };
        match found {
            Some(data) => resolved.extend(
                data.into_iter()
                    .map(|(k, v)| (format!("{}{k}", source.prefix), v)),
            ),
            None if reference.optional == Some(true) => {}
            None => {
                return Err(Error::invalid(
                    format!("envFrom[{}]", reference.name),
                    &reference.name,
                    format!(
                        "error reading {what} {} on namespace {namespace}: not found",
                        reference.name
                    ),
                ));
            }
        }
    }
    for var in &container.env {
        let value = if !var.value.is_empty() {
            resolve_env_value(&var.value, &resolved)
        } else if let Some(from) = &var.value_from {
            let (data, selector, what) = if let Some(s) = &from.secret_key_ref {
                (lookup.secret(namespace, &s.name), s, "secret name")
            } else if let Some(s) = &from.config_map_key_ref {
                (lookup.config_map(namespace, &s.name), s, "config")
            } else {
                continue;
            };
            match data {
                Some(d) => d.get(&selector.key).cloned().unwrap_or_default(),
                None if selector.optional == Some(true) => continue,
                None => {
                    return Err(Error::invalid(
                        format!("env[{}]", var.name),
                        &selector.name,
                        format!(
                            "error resolving {what} {} for env {} in namespace {namespace}",
                            selector.name, var.name
                        ),
                    ));
                }
            }
        } else {
            String::new()
        };
        resolved.insert(var.name.clone(), value);
    }
    Ok(resolved)
}

/// KEDA's `ResolveContainerEnv`: the environment of container `container_name` (the first
/// container when empty).
pub fn resolve_container_env(
    pod: &PodSpec,
    container_name: &str,
    namespace: &str,
    lookup: &dyn ObjectLookup,
) -> Result<BTreeMap<String, String>> {
    let container = if container_name.is_empty() {
        pod.containers
            .first()
            .ok_or_else(|| Error::required("containers", "target object doesn't have containers"))?
    } else {
        if pod.containers.is_empty() {
            return Err(Error::required(
                "containers",
                "target object doesn't have containers",
            ));
        }
        pod.containers
            .iter()
            .find(|c| c.name == container_name)
            .ok_or_else(|| {
                Error::invalid(
                    "envSourceContainerName",
                    container_name,
                    format!("couldn't find container with name {container_name} on Target object"),
                )
            })?
    };
    resolve_env(container, namespace, lookup)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn expands_like_keda() {
        let e = env(&[("A", "x")]);
        assert_eq!(resolve_env_value("$(A)-y", &e), "x-y");
        assert_eq!(resolve_env_value("y-$(A)", &e), "y-x");
        assert_eq!(resolve_env_value("$(B)-y", &e), "$(B)-y");
        assert_eq!(resolve_env_value("$$(A)-y", &e), "$(A)-y");
        assert_eq!(resolve_env_value("$()-y", &e), "$()-y");
        assert_eq!(resolve_env_value("$(A-y", &e), "$(A-y");
        assert_eq!(resolve_env_value("$(A)", &e), "x");
        assert_eq!(resolve_env_value("a$(A", &e), "a$(A");
        assert_eq!(resolve_env_value("ü$(A)ü", &e), "üxü");
    }

    #[test]
    fn later_variables_are_not_visible() {
        let c = Container::with_env("c", [("A", "$(B)"), ("B", "b"), ("C", "$(B)")]);
        let got = resolve_env(&c, "ns", &super::super::InMemoryObjects::default()).unwrap();
        assert_eq!(got, env(&[("A", "$(B)"), ("B", "b"), ("C", "b")]));
    }
}
