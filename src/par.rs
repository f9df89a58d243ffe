//! Order-preserving parallel map: rayon with the `parallel` feature, a plain loop without.
//! Output order never depends on the number of threads.

#[cfg(feature = "parallel")]
pub(crate) fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync + Send) -> Vec<U> {
    use rayon::prelude::*;
    items.par_iter().map(f).collect()
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn map<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync + Send) -> Vec<U> {
    items.iter().map(f).collect()
}

/// Calls `f(index, item)` on every item, in parallel with the `parallel` feature.
#[cfg(feature = "parallel")]
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    use rayon::prelude::*;
    items.par_iter_mut().enumerate().for_each(|(i, x)| f(i, x));
}

#[cfg(not(feature = "parallel"))]
pub(crate) fn for_each_mut<T: Send>(items: &mut [T], f: impl Fn(usize, &mut T) + Sync + Send) {
    items.iter_mut().enumerate().for_each(|(i, x)| f(i, x));
}
