//! `scaledjob.json` tables (not wired yet).

use super::super::super::Handler;

pub(super) fn lookup(_name: &str) -> Option<Handler> {
    None
}
