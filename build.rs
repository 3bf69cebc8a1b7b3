// The Lua scripts and stdlib are embedded with include_dir!, which does not tell Cargo about
// the files it reads: without this, an edited or added script would not rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=scripts");
    println!("cargo:rerun-if-changed=stdlib");
}
