fn main() -> std::process::ExitCode {
    // Output piped into `head` ends quietly, as other command-line tools do,
    // instead of a panic in println! on the closed pipe.
    #[cfg(unix)]
    // SAFETY: restores the default action of one signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    merit::cli::run()
}
