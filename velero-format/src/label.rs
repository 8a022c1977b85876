//! Label-value shortening (`pkg/label`).

use sha2::{Digest, Sha256};
use sha3::Sha3_224;

const DNS1035_LABEL_MAX: usize = 63;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `GetValidName`: unchanged when ≤ 63 bytes, else the first 57 bytes plus the first 6 hex
/// characters of the SHA-256 of the whole string.
pub fn valid_name(label: &str) -> String {
    if label.len() <= DNS1035_LABEL_MAX {
        return label.to_owned();
    }
    let digest = hex(&Sha256::digest(label.as_bytes()));
    let head = String::from_utf8_lossy(label.as_bytes().get(..57).unwrap_or_default()).into_owned();
    format!("{head}{}", digest.get(..6).unwrap_or_default())
}

/// `ReturnNameOrHash`: unchanged when ≤ 63 bytes, else the hex SHA3-224 of the string.
pub fn name_or_hash(label: &str) -> String {
    if label.len() <= DNS1035_LABEL_MAX {
        label.to_owned()
    } else {
        hex(&Sha3_224::digest(label.as_bytes()))
    }
}
