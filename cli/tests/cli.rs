//! Runs the `deflect` binary as documentation teams do.

use std::process::Command;

fn deflect() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deflect"))
}

#[test]
fn build_check_search_and_eval_from_the_command_line() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(
        src.path().join("refunds.md"),
        "---\ntitle: Refund policy\n---\nWe refund unused months.\n",
    )
    .unwrap();
    std::fs::write(
        src.path().join("seats.md"),
        "---\ntitle: Add seats\nsummary: Add or remove seats.\n---\nSeats are prorated.\n",
    )
    .unwrap();

    let check = deflect().arg("check").arg(src.path()).output().unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).contains("2 valid articles"));

    let build = deflect()
        .arg("build")
        .arg(src.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert!(String::from_utf8_lossy(&build.stdout).contains("built 2 articles"));

    let search = deflect()
        .args(["search", "--json", "--top", "1"])
        .arg(out.path())
        .arg("refun")
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&search.stdout);
    let hit: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(hit["id"], "refunds");

    let golden = src.path().join("golden.toml");
    std::fs::write(&golden, "[thresholds]\nhit_at_1 = 1.0\n\n[[question]]\ntext = \"add seat\"\narticles = [\"seats\"]\n").unwrap();
    let eval = deflect()
        .arg("eval")
        .arg(&golden)
        .arg("--index")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stdout)
    );
    std::fs::write(&golden, "[thresholds]\nhit_at_1 = 1.0\n\n[[question]]\ntext = \"add seat\"\narticles = [\"refunds\"]\n").unwrap();
    let eval = deflect()
        .arg("eval")
        .arg(&golden)
        .arg("--index")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!eval.status.success(), "a missed threshold fails");
    assert!(String::from_utf8_lossy(&eval.stderr).contains("threshold missed: hit_at_1"));
}

#[test]
fn a_broken_article_exits_non_zero_naming_file_and_line_and_keeps_the_previous_output() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(src.path().join("ok.md"), "---\ntitle: Fine\n---\nBody.\n").unwrap();
    assert!(deflect()
        .arg("build")
        .arg(src.path())
        .arg("--out")
        .arg(out.path())
        .status()
        .unwrap()
        .success());
    let manifest_before = std::fs::read(out.path().join("manifest.json")).unwrap();

    std::fs::write(
        src.path().join("bad.md"),
        "---\ntitle: Bad\nupdated: yesterday\n---\nBody.\n",
    )
    .unwrap();
    let run = deflect()
        .arg("build")
        .arg(src.path())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("bad.md:3: front matter field `updated` must be a date"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(
        std::fs::read(out.path().join("manifest.json")).unwrap(),
        manifest_before
    );
}

#[test]
fn search_on_a_folder_without_a_pack_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    let run = deflect()
        .arg("search")
        .arg(empty.path())
        .arg("x")
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("manifest.json"));
}

#[test]
fn meaning_vectors_from_the_command_line() {
    let src = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(
        src.path().join("cancel.md"),
        "---\ntitle: Cancel your subscription\n---\nStop paying at any time.\n",
    )
    .unwrap();
    std::fs::write(
        src.path().join("seats.md"),
        "---\ntitle: Add seats\n---\nSeats are prorated.\n",
    )
    .unwrap();
    // "halt" shares no word with the cancel article but means it.
    let vectors = src.path().join("kb.meaning");
    std::fs::write(
        &vectors,
        deflect_core::MeaningVectors::encode(
            4,
            8,
            2.0,
            &[("halt", vec![1.0, 0.0, 0.0, 0.0])],
            &["my"],
            &[
                ("cancel", vec![1.0, 0.0, 0.0, 0.0]),
                ("seats", vec![0.0, 0.0, 1.0, 0.0]),
            ],
        ),
    )
    .unwrap();
    let top = |args: &[&str]| {
        let run = deflect().args(args).output().unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let line = String::from_utf8_lossy(&run.stdout)
            .lines()
            .next()
            .map(str::to_string);
        line.map(|l| serde_json::from_str::<serde_json::Value>(&l).unwrap()["id"].clone())
    };
    let dir = out.path().to_str().unwrap();
    let plain = deflect()
        .arg("build")
        .arg(src.path())
        .args(["--out", dir])
        .output()
        .unwrap();
    assert!(plain.status.success());
    assert_eq!(top(&["search", "--json", "--top", "1", dir, "halt"]), None);
    let file = vectors.to_str().unwrap();
    assert_eq!(
        top(&[
            "search",
            "--json",
            "--top",
            "1",
            "--meaning",
            file,
            dir,
            "halt"
        ]),
        Some("cancel".into())
    );

    let build = deflect()
        .arg("build")
        .arg(src.path())
        .args(["--out", dir, "--meaning", file])
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    assert_eq!(
        top(&["search", "--json", "--top", "1", dir, "halt"]),
        Some("cancel".into())
    );
    let twice = deflect()
        .args(["search", "--meaning", file, dir, "halt"])
        .output()
        .unwrap();
    assert!(!twice.status.success());
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("built with meaning vectors of its own")
    );

    let golden = src.path().join("golden.toml");
    std::fs::write(
        &golden,
        "[[question]]\ntext = \"halt\"\narticles = [\"cancel\"]\n\n[[question]]\ntext = \"add seats\"\narticles = [\"seats\"]\n",
    )
    .unwrap();
    let eval = deflect()
        .arg("eval")
        .arg(&golden)
        .args(["--index", dir])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&eval.stdout);
    assert!(eval.status.success(), "{stdout}");
    for line in [
        "meaning vectors: nDCG@10 without 0.500  with 1.000 (weight 2)",
        "meaning vectors by weight: nDCG@10 0.5 1.000",
        "meaning vectors, odd questions (1): nDCG@10 without 0.000  with 1.000",
        "meaning vectors, even questions (1): nDCG@10 without 1.000  with 1.000",
    ] {
        assert!(stdout.contains(line), "{line:?} not in:\n{stdout}");
    }
}
