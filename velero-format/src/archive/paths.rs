//! Item paths inside a backup tarball (`pkg/archive/filesystem.go`,
//! `GetItemFilePath` / `GetVersionedItemFilePath` / `GetScopeDir`).

/// Top-level folder of items.
pub const RESOURCES_DIR: &str = "resources";
/// Scope folder of cluster-scoped items.
pub const CLUSTER_SCOPED_DIR: &str = "cluster";
/// Scope folder of namespaced items.
pub const NAMESPACE_SCOPED_DIR: &str = "namespaces";
/// Suffix of the preferred-version folder (`v1-preferredversion`).
pub const PREFERRED_VERSION_SUFFIX: &str = "-preferredversion";
/// Path of the format version file.
pub const VERSION_FILE: &str = "metadata/version";
/// Content of the format version file (`BackupFormatVersion` "1.1.0" plus a newline).
pub const FORMAT_VERSION_CONTENT: &[u8] = b"1.1.0\n";

/// `cluster` for an empty namespace, else `namespaces`.
pub fn scope_dir(namespace: &str) -> &'static str {
    if namespace.is_empty() {
        CLUSTER_SCOPED_DIR
    } else {
        NAMESPACE_SCOPED_DIR
    }
}

/// Go's `filepath.Join` for slash paths whose components are plain names: empty components
/// vanish.
pub fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("/")
}

/// `GetItemFilePath(root, gr, ns, name)` (the legacy, format-1 path).
pub fn item_file_path(root: &str, group_resource: &str, namespace: &str, name: &str) -> String {
    versioned_item_file_path(root, group_resource, namespace, name, "")
}

/// `GetVersionedItemFilePath(root, gr, ns, name, versionDir)`.
pub fn versioned_item_file_path(
    root: &str,
    group_resource: &str,
    namespace: &str,
    name: &str,
    version_dir: &str,
) -> String {
    let file = format!("{name}.json");
    join(&[
        root,
        RESOURCES_DIR,
        group_resource,
        version_dir,
        scope_dir(namespace),
        namespace,
        &file,
    ])
}

/// `extractGroupName`: the text after the first dot of a resource directory name.
pub fn extract_group_name(dir: &str) -> &str {
    dir.split_once('.').map_or("", |(_, g)| g)
}
