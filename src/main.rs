//! The `motif` binary: everything happens in [`motif::cli`].

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    motif::cli::main()
}
