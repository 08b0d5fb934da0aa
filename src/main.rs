//! The `motif` binary: everything happens in [`motif::cli`].

// A large project is hundreds of thousands of small strings (codings,
// quotes, speaker turns); mimalloc allocates and frees them markedly faster
// than the system allocator (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    motif::cli::main()
}
