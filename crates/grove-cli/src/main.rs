//! `grove`: the command-line twin of Grove's engine.

fn main() {
    println!("grove");
}
