//! The runtime queries run on: threads of their own, so a busy query cannot starve the caller's
//! runtime (HTTP, PostgreSQL, health checks), with stacks sized for the depth limit and a lower
//! scheduling priority than the threads that answer clients.

use std::sync::OnceLock;

/// Stack of the query threads. The depth limit keeps the planner's recursion far below it; the
/// parsed tree of a long flat chain (`1+1+…`, up to `max-sql` bytes) is dropped recursively by
/// its own destructor, which needs about 100 bytes a level: 256 MiB covers a 1 MiB chain. Only
/// the pages a query touches are ever mapped.
const QUERY_STACK: usize = 256 << 20;
/// The nice value of the query threads (Linux: nice is per thread). At 10 a busy query thread
/// weighs about a tenth of a thread at 0 in the kernel's fair scheduler: the server's request
/// threads keep nearly all the CPU they ask for, and a query still gets every idle cycle.
pub const QUERY_NICE: i32 = 10;
/// The runtime queries run on: its own threads (so a busy query cannot starve the caller's
/// runtime), with stacks sized for the depth limit.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name("marsad-query")
            .thread_stack_size(QUERY_STACK)
            .on_thread_start(lower_priority)
            .enable_all()
            .build()
            // No query can run without it; failing here is a broken host, not an input.
            .expect("cannot start the query runtime")
    })
}

/// Give the calling thread at least the query threads' nice value ([`QUERY_NICE`]); a process
/// started nicer than that keeps its own. Lowering one's own priority needs no privilege; if the
/// kernel refuses anyway the query runs at normal priority, which only costs the other clients
/// some latency, so it is logged, not fatal.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = thread_id();
        // SAFETY: getpriority and setpriority take and return plain integers; on Linux
        // `PRIO_PROCESS` with a thread id reads or sets that one thread's nice value.
        let done = unsafe {
            if libc::getpriority(libc::PRIO_PROCESS, tid) >= QUERY_NICE {
                return;
            }
            libc::setpriority(libc::PRIO_PROCESS, tid, QUERY_NICE)
        };
        if done != 0 {
            tracing::warn!(
                "cannot lower the priority of a query thread: {}",
                std::io::Error::last_os_error()
            );
        }
    }
}

/// The calling thread's id, as `setpriority` takes it.
#[cfg(target_os = "linux")]
fn thread_id() -> libc::id_t {
    // SAFETY: gettid cannot fail and touches no memory.
    unsafe { libc::gettid() as libc::id_t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn query_threads_run_at_a_lower_priority_than_their_caller() {
        // SAFETY: a plain integer call (see `lower_priority`).
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, thread_id()) };
        let caller = nice();
        let worker = runtime().block_on(async { runtime().spawn(async move { nice() }).await });
        let blocking = runtime().block_on(runtime().spawn_blocking(nice));
        for n in [worker.ok(), blocking.ok()] {
            assert_eq!(n, Some(caller.max(QUERY_NICE)));
        }
        // The caller's own thread is untouched (nice is per thread on Linux).
        assert_eq!(nice(), caller);
    }
}
