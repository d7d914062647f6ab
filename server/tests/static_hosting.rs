//! Serves a temporary folder over real HTTP and checks types, CORS and caching.

use std::net::SocketAddr;

async fn start(dir: &std::path::Path) -> SocketAddr {
    let (listener, addr) = deflect_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let router = deflect_server::static_files::router(dir.to_path_buf());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

#[tokio::test]
async fn serves_wasm_packs_and_manifests_with_the_right_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join("kb.0123456789abcdef.pack"), b"DFLCTPAK").unwrap();
    std::fs::write(dir.path().join("manifest.json"), b"{}").unwrap();
    let addr = start(dir.path()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| {
        client
            .get(format!("http://{addr}/{path}"))
            .header("Origin", "https://vendor.example")
            .send()
    };

    let wasm = get("app_bg.wasm").await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["access-control-allow-origin"], "*");
    assert_eq!(wasm.headers()["cache-control"], "no-cache");

    let pack = get("kb.0123456789abcdef.pack").await.unwrap();
    assert_eq!(pack.status(), 200);
    assert_eq!(
        pack.headers()["cache-control"],
        deflect_server::static_files::IMMUTABLE
    );
    assert_eq!(pack.bytes().await.unwrap().as_ref(), b"DFLCTPAK");

    let manifest = get("manifest.json").await.unwrap();
    assert_eq!(manifest.headers()["content-type"], "application/json");
    assert_eq!(manifest.headers()["cache-control"], "no-cache");

    let missing = get("nope.pack").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none());
}
