// See Cargo.toml: glibc's malloc was a sixth of the server's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    return_memory_promptly();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: the async runtime did not start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // Logging starts inside `run`, once the settings (including the log format) are known.
    match runtime.block_on(helpdesk::server::cli::run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// mimalloc keeps freed memory for 10 s by default, and purges it only when it next
/// allocates: RSS was 90 MB for 10 s after three sign-ins (argon2 takes 19 MB each), and
/// an idle server never gave it back. Purging at once cost 12-28 % of the throughput
/// (TLB shootdowns and page faults as big buffers came and went: bench/RESULTS.md); after
/// 250 ms costs nothing measurable, and a thread asks for due purges once a second so
/// an idle server returns the memory too: 17 MB after three sign-ins.
/// (Its arenas' transparent huge pages, another 8 MB at start, are off in Cargo.toml.)
/// `MIMALLOC_PURGE_DELAY` and `MIMALLOC_ARENA_PURGE_MULT` still override.
#[allow(unsafe_code)]
fn return_memory_promptly() {
    // Indices in mimalloc v3's `mi_option_t` (include/mimalloc.h; the crate names only a few).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    const ARENA_PURGE_MULT: libmimalloc_sys::mi_option_t = 24;
    for (option, env, value) in [
        (PURGE_DELAY, "MIMALLOC_PURGE_DELAY", 250),
        (ARENA_PURGE_MULT, "MIMALLOC_ARENA_PURGE_MULT", 1),
    ] {
        if std::env::var_os(env).is_none() {
            // SAFETY: a plain setter of one of mimalloc's global options, read whenever
            // freed memory is purged; any value is valid.
            unsafe { libmimalloc_sys::mi_option_set(option, value) };
        }
    }
    let _ = std::thread::Builder::new().name("purge".into()).spawn(|| {
        loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
            // SAFETY: mimalloc's own collection entry point, safe from any thread;
            // `false`: only what is due.
            unsafe { libmimalloc_sys::mi_collect(false) };
        }
    });
}
