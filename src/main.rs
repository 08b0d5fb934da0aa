//! The `motif` binary: everything happens in [`motif::cli`].

// Loading a large project touches a few hundred MB of fresh memory on
// several threads; mimalloc maps it in large segments where glibc grows
// each thread's heap a few pages at a time (docs/PERFORMANCE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    motif::cli::main()
}
