// Ingesting a large site allocates millions of small strings from two threads; mimalloc
// does that about a quarter faster than the system allocator (benches/validate.sh).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    drydock::cli::main()
}
