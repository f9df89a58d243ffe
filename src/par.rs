//! Order-preserving parallel map, join and pipeline: rayon (and, for a pipeline's
//! producer, a thread of its own) with the `parallel` feature, plain loops without.
//! Output order never depends on the number of threads. A job of one item (a
//! query's one document) runs on the calling thread, and so does a sort of a few
//! thousand items: neither starts nor wakes the thread pool.

/// Items at most that [`sort_unstable`] sorts on the calling thread.
#[cfg(feature = "parallel")]
const SMALL_SORT: usize = 4096;

#[cfg(feature = "parallel")]
pub(crate) fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    if items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    items.par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync + Send) -> Vec<U> {
    items.iter().map(f).collect()
}

/// [`map`], in parallel only when `parallel` is set: a small job runs on this thread and
/// never starts or wakes the thread pool (with the one-item jobs and small sorts, a
/// query of one document does most of its work on its own thread).
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) fn map_if<T: Sync, U: Send>(
    parallel: bool,
    items: &[T],
    f: impl Fn(&T) -> U + Sync + Send,
) -> Vec<U> {
    if parallel {
        map(items, f)
    } else {
        items.iter().map(f).collect()
    }
}

/// `map` with working state made by `init` once per block of items and reused across the
/// block (buffers that would otherwise be allocated for every item).
#[cfg(feature = "parallel")]
pub(crate) fn map_init<T: Sync, U: Send, S>(
    items: &[T],
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &T) -> U + Sync + Send,
) -> Vec<U> {
    use rayon::prelude::*;
    const BLOCK: usize = 64;
    items
        .par_chunks(BLOCK)
        .flat_map_iter(|block| {
            let mut state = init();
            block.iter().map(|x| f(&mut state, x)).collect::<Vec<U>>()
        })
        .collect()
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn map_init<T: Sync, U: Send, S>(
    items: &[T],
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, &T) -> U + Sync + Send,
) -> Vec<U> {
    let mut state = init();
    items.iter().map(|x| f(&mut state, x)).collect()
}

/// Calls `f(index, item)` on every item, in parallel with the `parallel` feature.
#[cfg(feature = "parallel")]
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    use rayon::prelude::*;
    if items.len() <= 1 {
        return items.iter_mut().enumerate().for_each(|(i, x)| f(i, x));
    }
    items.par_iter_mut().enumerate().for_each(|(i, x)| f(i, x));
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    items.iter_mut().enumerate().for_each(|(i, x)| f(i, x));
}

/// Sorts `items`, in parallel with the `parallel` feature.
#[cfg(feature = "parallel")]
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) fn sort_unstable<T: Ord + Send>(items: &mut [T]) {
    use rayon::prelude::*;
    if items.len() <= SMALL_SORT {
        return items.sort_unstable();
    }
    items.par_sort_unstable();
}

#[cfg(not(feature = "parallel"))]
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) fn sort_unstable<T: Ord + Send>(items: &mut [T]) {
    items.sort_unstable();
}

/// Runs `a` and `b`, at the same time with the `parallel` feature: `a` on this thread,
/// `b` (which may itself run in parallel) on any thread that is free.
#[cfg(feature = "parallel")]
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    rayon::join(a, b)
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    (a(), b())
}

/// Runs `a` on a thread of its own while `b` runs on this one (with the `parallel`
/// feature; one after the other, `a` first, without). For a job that uses one core
/// (writing a batch's run file) beside another: on the pool, `a` would hold one of its
/// threads for its whole length.
#[cfg(feature = "parallel")]
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) fn beside<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        let a = a
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

#[cfg(not(feature = "parallel"))]
#[cfg_attr(not(feature = "index"), allow(dead_code))]
pub(crate) fn beside<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    let a = a();
    (a, b())
}

/// Runs `produce` on a thread of its own and `consume` on this one, on each item
/// `produce` sends, in order (with the `parallel` feature; without it, `consume` runs
/// inside `produce`'s sends). A send returns false once `consume` has failed: `produce`
/// should stop. Returns what `produce` returned and `consume`'s first error. At most
/// `queue` items wait between the two. If the thread cannot be started, or the pool
/// has one thread (`--threads 1`), both run on this one.
#[cfg(feature = "parallel")]
#[cfg_attr(not(feature = "walk"), allow(dead_code))]
pub(crate) fn pipeline<T: Send, R: Send, E>(
    queue: usize,
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R + Send,
    mut consume: impl FnMut(T) -> Result<(), E>,
) -> (R, Result<(), E>) {
    use std::sync::{Mutex, mpsc};
    if rayon::current_num_threads() <= 1 {
        return serial(produce, consume);
    }
    // `produce` waits here for the thread; if it cannot start, this thread takes it.
    let waiting = Mutex::new(Some(produce));
    let take = || waiting.lock().unwrap_or_else(|e| e.into_inner()).take();
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<T>(queue);
        let started = std::thread::Builder::new()
            .name("neardup-list".into())
            .spawn_scoped(scope, move || {
                let produce = take().expect("taken once, by the thread that started");
                produce(&mut |item| tx.send(item).is_ok())
            });
        let Ok(handle) = started else {
            return serial(take().expect("the thread never started"), consume);
        };
        let mut consumed = Ok(());
        for item in rx.iter() {
            consumed = consume(item);
            if consumed.is_err() {
                break;
            }
        }
        // The producer's next send fails and it stops.
        drop(rx);
        let produced = handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (produced, consumed)
    })
}

#[cfg(not(feature = "parallel"))]
#[cfg_attr(not(feature = "walk"), allow(dead_code))]
pub(crate) fn pipeline<T: Send, R: Send, E>(
    _queue: usize,
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R + Send,
    consume: impl FnMut(T) -> Result<(), E>,
) -> (R, Result<(), E>) {
    serial(produce, consume)
}

/// [`pipeline`] on this thread alone.
fn serial<T, R, E>(
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R,
    mut consume: impl FnMut(T) -> Result<(), E>,
) -> (R, Result<(), E>) {
    let mut consumed = Ok(());
    let produced = produce(&mut |item| {
        if consumed.is_ok() {
            consumed = consume(item);
        }
        consumed.is_ok()
    });
    (produced, consumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipeline_consumes_in_order_and_stops_its_producer_on_an_error() {
        let mut seen = Vec::new();
        let (sent, consumed) = pipeline(
            2,
            |send| (0..100).take_while(|&i| send(i)).count(),
            |i: i32| {
                seen.push(i);
                Ok::<(), String>(())
            },
        );
        assert_eq!((sent, consumed), (100, Ok(())));
        assert_eq!(seen, (0..100).collect::<Vec<_>>());

        let mut seen = Vec::new();
        let (sent, consumed) = pipeline(
            2,
            |send| (0..100_000).take_while(|&i| send(i)).count(),
            |i: i32| {
                seen.push(i);
                if i == 10 {
                    Err(format!("failed at {i}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(consumed, Err("failed at 10".to_string()));
        assert_eq!(seen, (0..=10).collect::<Vec<_>>());
        // The producer stopped soon after: at most the queue and one send were ahead.
        assert!(sent < 20, "{sent} sent");
    }
}
