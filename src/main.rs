//! The `motif` binary: everything happens in [`motif::cli`].

fn main() -> std::process::ExitCode {
    motif::cli::main()
}
