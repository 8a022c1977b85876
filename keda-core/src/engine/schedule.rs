//! The engine's timer: one min-heap of next-due instants for all objects, instead of a task or a
//! timer per object. Entries are 16 bytes; stale entries (removed objects) are skipped on pop.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Work {
    /// The scale loop's poll.
    Poll,
    /// The in-process HPA's sync.
    HpaSync,
}

/// One heap entry: due time (ms since the engine's epoch), slot and its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Due {
    pub at_ms: i64,
    pub slot: u32,
    pub generation: u32,
    pub work: Work,
}

#[derive(Debug, Default)]
pub(crate) struct Schedule {
    heap: BinaryHeap<Reverse<Due>>,
}

impl Schedule {
    pub fn push(&mut self, due: Due) {
        self.heap.push(Reverse(due));
    }

    /// The earliest due time.
    pub fn next_at(&self) -> Option<i64> {
        self.heap.peek().map(|Reverse(d)| d.at_ms)
    }

    /// Pops the earliest entry if it is due at `now_ms`.
    pub fn pop_due(&mut self, now_ms: i64) -> Option<Due> {
        if self.next_at()? <= now_ms {
            self.heap.pop().map(|Reverse(d)| d)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_due_order_only_when_due() {
        let mut s = Schedule::default();
        for (at, slot) in [(30, 1), (10, 2), (20, 3)] {
            s.push(Due {
                at_ms: at,
                slot,
                generation: 0,
                work: Work::Poll,
            });
        }
        assert_eq!(s.pop_due(5), None);
        assert_eq!(s.pop_due(25).map(|d| d.slot), Some(2));
        assert_eq!(s.pop_due(25).map(|d| d.slot), Some(3));
        assert_eq!(s.pop_due(25), None);
        assert_eq!(s.next_at(), Some(30));
    }
}
