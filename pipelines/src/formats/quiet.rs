//! Library code run so that its panics become errors and print nothing. The PDF and workbook
//! libraries panic on some damaged files (an `unwrap` on a parse error deep inside); the reader
//! turns that into a refusal naming the file, and the default panic hook must not print the
//! panic text and backtrace to the user first. The hook is wrapped once, process-wide: it stays
//! silent while the current thread is inside [`catch_quietly`] and defers to the previous hook
//! everywhere else (a panic in Marsad's own code still prints).

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

thread_local! {
    /// How many `catch_quietly` calls the current thread is inside.
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

static WRAP_HOOK: Once = Once::new();

/// Run `f`; if it panics, return the panic's message as `Err`, printing nothing.
pub fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    WRAP_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) == 0 {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(q.get() + 1));
    // The closure's state is dropped with the panic; nothing it touched is used afterwards.
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(q.get() - 1));
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(catch_quietly(|| 7), Ok(7));
        let r: Result<(), String> = catch_quietly(|| panic!("index {} out of range", 3));
        assert_eq!(r, Err("index 3 out of range".to_string()));
        // Nested and repeated calls keep the count right.
        let r = catch_quietly(|| catch_quietly(|| -> u8 { panic!("inner") }));
        assert_eq!(r, Ok(Err("inner".to_string())));
        QUIET.with(|q| assert_eq!(q.get(), 0));
    }
}
