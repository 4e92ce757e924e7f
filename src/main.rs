fn main() -> std::process::ExitCode {
    merit::cli::run()
}
