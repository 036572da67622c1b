//! Ordered parallel map for adapters that stream large files: items (chunks of a file) are read
//! on one thread, worked on every core, and their results handed back **in the order they were
//! read**, so the output of a parallel read is the same, batch for batch, as a sequential one.
//! At most `window` items are in flight (read, being worked on, or waiting for their turn), so
//! memory stays bounded whatever the size of the file.

use std::collections::BTreeMap;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

use crate::error::{PipelineError, Result};

/// Worker threads to use: the machine's cores (at least one).
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Run `work` on every item `next` yields, on `threads` threads, and give each result to
/// `emit` in the order of the items. The first error — from `next`, `work` or `emit`, in item
/// order — stops everything and is returned; nothing after it is emitted.
pub fn ordered_map<I, T, N, W, E>(threads: usize, mut next: N, work: W, mut emit: E) -> Result<()>
where
    I: Send,
    T: Send,
    N: FnMut() -> Result<Option<I>> + Send,
    W: Fn(I) -> Result<T> + Sync,
    E: FnMut(T) -> Result<()>,
{
    let threads = threads.max(1);
    let window = threads * 2 + 1;
    std::thread::scope(|scope| {
        // A ticket per item in flight: the reader takes one before reading, `emit` returns it.
        let (ticket_tx, ticket_rx) = sync_channel::<()>(window);
        for _ in 0..window {
            // The channel holds `window` tickets: these sends cannot block or fail.
            let _ = ticket_tx.send(());
        }
        let (item_tx, item_rx) = sync_channel::<(usize, Result<I>)>(threads);
        let item_rx = Arc::new(Mutex::new(item_rx));
        let (result_tx, result_rx) = sync_channel::<(usize, Result<T>)>(window);

        scope.spawn(move || {
            let mut index = 0;
            while ticket_rx.recv().is_ok() {
                let item = match next() {
                    Ok(Some(item)) => Ok(item),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
                let failed = item.is_err();
                if item_tx.send((index, item)).is_err() || failed {
                    break;
                }
                index += 1;
            }
        });
        for _ in 0..threads {
            let (item_rx, result_tx, work) = (item_rx.clone(), result_tx.clone(), &work);
            scope.spawn(move || {
                while let Some((index, item)) = receive(&item_rx) {
                    let result = item.and_then(work);
                    if result_tx.send((index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(result_tx);

        // Results arrive in any order: hold them until their turn.
        let mut waiting: BTreeMap<usize, Result<T>> = BTreeMap::new();
        let mut turn = 0;
        for (index, result) in result_rx.iter() {
            waiting.insert(index, result);
            while let Some(result) = waiting.remove(&turn) {
                emit(result?)?;
                turn += 1;
                // The reader may have stopped already (end of input): nothing to give back to.
                let _ = ticket_tx.send(());
            }
        }
        if waiting.is_empty() {
            Ok(())
        } else {
            Err(PipelineError::Internal {
                table: String::new(),
                detail: format!("item {turn} of a parallel read never came back"),
            })
        }
        // Returning drops the ticket sender and the result receiver: the reader and the
        // workers stop at their next send or receive, and the scope joins them.
    })
}

fn receive<I>(rx: &Mutex<Receiver<(usize, Result<I>)>>) -> Option<(usize, Result<I>)> {
    rx.lock().ok()?.recv().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order() {
        let mut n = 0;
        let mut out = Vec::new();
        ordered_map(
            3,
            || {
                n += 1;
                Ok((n <= 200).then_some(n))
            },
            |i: i32| {
                // Uneven work so that results finish out of order.
                std::thread::sleep(std::time::Duration::from_micros((i % 7) as u64 * 50));
                Ok(i * 10)
            },
            |v| {
                out.push(v);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(out, (1..=200).map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn the_first_error_in_order_stops_everything() {
        let mut n = 0;
        let mut out = Vec::new();
        let err = ordered_map(
            2,
            || {
                n += 1;
                Ok(Some(n))
            },
            |i: i32| {
                if i == 50 {
                    Err(PipelineError::parse("f.csv", "line 50", "bad"))
                } else {
                    Ok(i)
                }
            },
            |v| {
                out.push(v);
                Ok(())
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("line 50"), "{err}");
        assert_eq!(out, (1..50).collect::<Vec<_>>());
    }

    #[test]
    fn a_reader_error_is_returned_after_the_items_before_it() {
        let mut n = 0;
        let mut out = Vec::new();
        let err = ordered_map(
            2,
            || {
                n += 1;
                if n == 5 {
                    Err(PipelineError::parse("f.csv", "line 5", "unreadable"))
                } else {
                    Ok(Some(n))
                }
            },
            Ok,
            |v| {
                out.push(v);
                Ok(())
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("unreadable"));
        assert_eq!(out, vec![1, 2, 3, 4]);
    }
}
