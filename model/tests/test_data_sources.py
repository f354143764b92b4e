"""data_sources.py: reserved packages, labelling rules, balancing, grouping, cleaning, one end-to-end pass.
No network, no apt: the download step is injected."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import data_sources as ds  # noqa: E402


@pytest.mark.parametrize("pkg", [
    "flite", "festival", "festvox-kallpc16k", "festvox-us-slt-hts", "timgm6mb-soundfont", "scratch",
    "openttd-opensfx", "minetest-data", "minetest-mod-x", "minetest", "sonic-pi-samples",
    "supersonic-scsynth-samples", "sound-theme-freedesktop", "pocketsphinx-testdata",
    "asterisk-core-sounds-en", "asterisk-core-sounds-en-gsm", "asterisk-core-sounds-en-wav",
    "asterisk-core-sounds-en-g722", "Scratch", " flite ", "flite:amd64", "scratch_1.4.0.6~dfsg-8_all.deb",
])
def test_reserved_refused(pkg):
    with pytest.raises(ValueError, match="reserved"):
        ds.check_allowed(pkg)


@pytest.mark.parametrize("pkg", ["tuxpaint-stamps-default", "asterisk-core-sounds-fr-g722", "0ad-data",
                                 "wesnoth-1.16-data", "hedgewars-data"])
def test_allowed(pkg):
    assert ds.check_allowed(pkg) == pkg


def test_sources_never_reserved_and_labels_valid():
    for p in ds.SOURCES:
        ds.check_allowed(p)
        for pat, labels, opts in ds.rules_of(p):
            assert labels is None or set(labels) <= set(ds.LABELS), (p, pat)


def test_cli_refuses_reserved(tmp_path):
    for pkg in ("scratch", "festvox-kallpc16k", "asterisk-core-sounds-en-gsm"):
        r = subprocess.run([sys.executable, ds.__file__, "--packages", pkg, "--out", str(tmp_path)],
                           capture_output=True, text=True)
        assert r.returncode != 0 and "reserved" in r.stderr
    assert not os.listdir(tmp_path)


def test_manifest_with_reserved_source_refused(tmp_path):
    m = tmp_path / "clips.jsonl"
    m.write_text(json.dumps({"id": "a", "source": "minetest-data", "path": "x.ogg"}) + "\n")
    with pytest.raises(ValueError):
        ds.load_manifest(str(m))


def test_build_refuses_reserved_before_download(tmp_path):
    called = []
    with pytest.raises(ValueError):
        ds.build(["hedgewars-data", "sonic-pi-samples"], str(tmp_path / "o"), str(tmp_path),
                 download=lambda p, d: called.append(p))
    assert called == []


LABEL_CASES = {
    "tuxpaint-stamps-default": {
        "usr/share/tuxpaint/stamps/animals/mammals/dogs/dog.ogg": ["animal"],
        "usr/share/tuxpaint/stamps/animals/mammals/dogs/dog_desc_fr.ogg": ["speech"],
        "usr/share/tuxpaint/stamps/vehicles/emergency/firetruck.ogg": ["siren"],
        "usr/share/tuxpaint/stamps/hobbies/music/string/cello.ogg": ["music"],
        "usr/share/tuxpaint/stamps/household/dishes/glass.ogg": ["impact"],
        "usr/share/tuxpaint/stamps/seasonal/halloween/ghost.ogg": None,
        "usr/share/tuxpaint/stamps/space/apollo_lander.ogg": None,
    },
    "hedgewars-data": {
        "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Laugh.ogg": ["human"],
        "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Ooff2.ogg": ["human"],
        "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Amazing.ogg": ["speech"],
        "usr/share/games/hedgewars/Data/Sounds/voices/Robot/Amazing.ogg": None,
        "usr/share/games/hedgewars/Data/Sounds/voices/Singer/Laugh.ogg": None,
        "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Hmm.ogg": None,
        "usr/share/games/hedgewars/Data/Music/City.ogg": ["music"],
        "usr/share/games/hedgewars/Data/Sounds/splash.ogg": ["water"],
        "usr/share/games/hedgewars/Data/Sounds/portalshot.ogg": None,
    },
    "wesnoth-1.16-data": {
        "usr/share/games/wesnoth/1.16/data/core/sounds/wolf-die-2.ogg": ["animal"],
        "usr/share/games/wesnoth/1.16/data/core/sounds/human-female-hit-1.ogg": ["human"],
        "usr/share/games/wesnoth/1.16/data/core/sounds/mace.wav": ["impact"],
        "usr/share/games/wesnoth/1.16/data/core/sounds/mace-miss.ogg": None,
        "usr/share/games/wesnoth/1.16/data/core/sounds/magic-holy-1.ogg": None,
        "usr/share/games/wesnoth/1.16/data/core/sounds/gryphon-die-1.ogg": None,
        "usr/share/games/wesnoth/1.16/data/core/sounds/orc-hit-1.ogg": None,
    },
    "lincity-ng-data": {
        "usr/share/games/lincity-ng/sounds/FireStation3.wav": ["siren"],
        "usr/share/games/lincity-ng/sounds/FireStation1.wav": None,
        "usr/share/games/lincity-ng/sounds/Health5.wav": ["alarm"],
        "usr/share/games/lincity-ng/sounds/TraficHigh2.wav": ["vehicle"],
        "usr/share/games/lincity-ng/sounds/Water3.wav": ["water"],
        "usr/share/games/lincity-ng/sounds/ResidentialHigh1.wav": None,
    },
    "asterisk-core-sounds-fr-g722": {
        "usr/share/asterisk/sounds/fr_CA_f_June/activated.g722": ["speech"],
        "usr/share/asterisk/sounds/fr_CA_f_June/beep.g722": None,
        "usr/share/asterisk/sounds/fr_CA_f_June/silence/1.g722": None,
    },
    "0ad-data": {
        "usr/share/games/0ad/mods/public/public.zip!audio/actor/fauna/animal/pig_10.ogg": ["animal"],
        "usr/share/games/0ad/mods/public/public.zip!audio/ambient/water/river_fast_1.ogg": ["water"],
        "usr/share/games/0ad/mods/public/public.zip!audio/voice/greek/civ/civ_male_yes_1.ogg": ["speech"],
        "usr/share/games/0ad/mods/public/public.zip!audio/interface/alarm/alarmvictory_1.ogg": None,
        "usr/share/games/0ad/mods/public/public.zip!audio/actor/human/death/male_death_05.ogg": ["human"],
    },
    "flightgear-data-base": {
        "usr/share/games/flightgear/Sounds/jet.wav": ["vehicle"],
        "usr/share/games/flightgear/Sounds/gear-hrn.wav": ["alarm"],
        "usr/share/games/flightgear/Sounds/mk-viii/pull-up.wav": None,
        "usr/share/games/flightgear/Sounds/coughing.wav": None,
    },
}


@pytest.mark.parametrize("pkg", sorted(LABEL_CASES))
def test_label_rules(pkg):
    for path, want in LABEL_CASES[pkg].items():
        got, _ = ds.label_path(pkg, path)
        assert got == want, (pkg, path, got)


def test_grouping():
    g = lambda pkg, p: ds.group_of(pkg, p, ds.label_path(pkg, p)[1])  # noqa: E731
    w = "usr/share/games/wesnoth/1.16/data/core/sounds/"
    assert len({g("wesnoth-1.16-data", w + f"wolf-die-{i}.ogg") for i in (1, 2, 3)}) == 1
    assert g("wesnoth-1.16-data", w + "wolf-die-1.ogg") != g("wesnoth-1.16-data", w + "wolf-growl-1.ogg")
    assert ds.default_group("a/Hit1.wav") == ds.default_group("a/Hit2.wav") == ds.default_group("a/Hit_3.ogg")
    h = "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/"
    assert g("hedgewars-data", h + "Laugh.ogg") == g("hedgewars-data", h + "Amazing.ogg")
    a = "usr/share/asterisk/sounds/fr_CA_f_June/"
    assert g("asterisk-core-sounds-fr-g722", a + "activated.g722") == g("asterisk-core-sounds-fr-g722",
                                                                        a + "added.g722")
    t = "usr/share/tuxpaint/stamps/animals/mammals/dogs/"
    assert g("tuxpaint-stamps-default", t + "dog_desc_fr.ogg") == g("tuxpaint-stamps-default",
                                                                    t + "../cats/lion_desc_fr.ogg")
    assert g("tuxpaint-stamps-default", t + "dog_desc_fr.ogg") != g("tuxpaint-stamps-default",
                                                                    t + "dog_desc_ru.ogg")


def _items(spec):
    out = []
    for src, label, n, ngroups in spec:
        for i in range(n):
            out.append({"id": f"{src}-{label}-{i:04d}", "source": src, "labels": [label],
                        "group": f"{src}:{label}:{i % ngroups}"})
    return out


def test_balance_caps_and_share():
    items = _items([("a", "speech", 3000, 10), ("b", "speech", 200, 5), ("c", "speech", 100, 3),
                    ("a", "animal", 100, 10), ("b", "animal", 20, 2), ("a", "music", 50, 5)])
    keep = ds.balance(items, caps={"speech": 500}, default_cap=80, max_share=0.5, seed=1, share_floor=0)
    cnt = {}
    for it in keep:
        cnt[it["labels"][0], it["source"]] = cnt.get((it["labels"][0], it["source"]), 0) + 1
    assert sum(v for (lab, _), v in cnt.items() if lab == "speech") <= 500
    assert cnt["speech", "a"] <= cnt["speech", "b"] + cnt["speech", "c"]
    assert cnt["animal", "a"] <= 20 and cnt["animal", "b"] == 20       # share rule
    assert cnt["music", "a"] == 50                                    # sole package: share rule off
    # groups interleaved: the 20 animals of "a" cover all its 10 groups
    assert len({it["group"] for it in keep if it["source"] == "a" and it["labels"] == ["animal"]}) == 10
    floor = ds.balance(items, {"speech": 500}, 80, 0.5, seed=1, share_floor=40)
    assert sum(1 for i in floor if i["source"] == "a" and i["labels"] == ["animal"]) == 40
    # deterministic
    assert [i["id"] for i in keep] == [i["id"] for i in ds.balance(items, {"speech": 500}, 80, 0.5, seed=1, share_floor=0)]
    assert [i["id"] for i in keep] != [i["id"] for i in ds.balance(items, {"speech": 500}, 80, 0.5, seed=2, share_floor=0)]


def test_clean_drops_silence_and_short():
    sr = ds.SR
    t = np.arange(sr) / sr
    tone = 0.3 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    padded = np.concatenate([np.zeros(sr // 2, np.float32), tone, np.zeros(sr // 4, np.float32)])
    y = ds.clean(padded)
    assert y is not None and abs(len(y) - sr) < 10
    assert ds.clean(np.zeros(sr, np.float32)) is None
    assert ds.clean(tone[: int(0.05 * sr)]) is None                       # < 0.1 s
    assert ds.clean(tone * 10 ** (-70 / 20)) is None                      # RMS ~ -73 dBFS
    assert ds.clean(tone * 10 ** (-40 / 20)) is not None
    assert len(ds.clean(np.tile(tone, 20))) == int(ds.MAX_DUR * sr)


def test_segments():
    import random
    assert ds.segments_for(8.0, random.Random(0)) == [None]
    segs = ds.segments_for(300.0, random.Random(0))
    assert len(segs) == ds.SEG_PER_FILE
    for s, n in segs:
        assert ds.SEG_MIN - 1e-6 <= n <= ds.SEG_MAX + 1e-6 and 0 <= s and s + n <= 300
    assert all(a[0] + a[1] <= b[0] + 1e-6 for a, b in zip(segs, segs[1:]))


def test_end_to_end_fake_deb(tmp_path, monkeypatch):
    import soundfile as sf
    sr = 22050
    pkg = "fake-sounds-data"
    root = tmp_path / "build"
    snd = root / "usr/share/fake/sounds"
    snd.mkdir(parents=True)
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN/control").write_text(f"Package: {pkg}\nVersion: 1.0\nArchitecture: all\n"
                                         "Maintainer: t <t@t>\nDescription: test\n")
    rng = np.random.default_rng(0)
    sf.write(snd / "dog1.wav", 0.2 * rng.standard_normal(sr).astype(np.float32), sr)
    sf.write(snd / "dog2.wav", 0.2 * rng.standard_normal(sr // 2).astype(np.float32), sr)
    sf.write(snd / "quiet.wav", np.zeros(sr, np.float32), sr)
    sf.write(snd / "song.ogg", 0.1 * np.sin(np.arange(sr * 30) / sr * 2 * np.pi * 220).astype(np.float32), sr)
    sf.write(snd / "BARK.WAV", 0.2 * rng.standard_normal(sr).astype(np.float32), sr, format="WAV")   # DOS-era name
    sf.write(snd / "magic.wav", 0.2 * rng.standard_normal(sr).astype(np.float32), sr)
    sf.write(snd / "talk_short.wav", 0.2 * rng.standard_normal(sr // 2).astype(np.float32), sr)
    sf.write(snd / "talk_long.wav", 0.2 * rng.standard_normal(sr).astype(np.float32), sr)
    import io
    buf = io.BytesIO()
    sf.write(buf, 0.2 * rng.standard_normal(sr).astype(np.float32), sr, format="WAV")
    (snd / "farm.rcc").write_bytes(make_rcc({"res/animals/cow.wav": (buf.getvalue(), True)}))
    doc = root / "usr/share/doc" / pkg
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("Format: dep5\n\nFiles: *\nLicense: test-license\n\n"
                                   "Files: sounds/dog2.wav res/animals/*\nLicense: CC0\n")
    debs = tmp_path / "src"
    debs.mkdir()
    deb = debs / f"{pkg}_1.0_all.deb"
    subprocess.run(["dpkg-deb", "-b", "-Zgzip", str(root), str(deb)], check=True, capture_output=True)
    monkeypatch.setitem(ds.SOURCES, pkg, {"license": "test-license", "rules": [
        (r"/magic", None, {}),
        (r"/dog\d\.wav$", ["animal"], {}),
        (r"/BARK\.WAV$", ["animal"], {}),
        (r"/quiet\.wav$", ["noise"], {}),
        (r"/song\.ogg$", ["music"], {ds.S: True}),
        (r"/talk_\w+\.wav$", ["speech"], {"min_dur": 0.8}),
        (r"farm\.rcc!res/animals/", ["animal"], {}),
    ]})
    seen = []

    def fake_download(p, cache):
        ds.check_allowed(p)
        seen.append(p)
        return str(deb)

    out = tmp_path / "out"
    rows = ds.build([pkg], str(out), str(tmp_path / "work"), download=fake_download, workers=1,
                    log=lambda *a: None)
    assert seen == [pkg]
    lines = [json.loads(x) for x in (out / "clips.jsonl").read_text().splitlines()]
    assert lines == rows
    paths = sorted(r["path"] for r in rows)
    assert [p for p in paths if "dog" in p] == ["usr/share/fake/sounds/dog1.wav", "usr/share/fake/sounds/dog2.wav"]
    assert not any("quiet" in p or "magic" in p for p in paths)            # silent dropped, rule dropped
    assert [p for p in paths if "talk" in p] == ["usr/share/fake/sounds/talk_long.wav"]   # under min_dur dropped
    assert "usr/share/fake/sounds/farm.rcc!res/animals/cow.wav" in paths
    assert "usr/share/fake/sounds/BARK.WAV" in paths                        # upper-case extensions are unpacked too
    lic = {r["path"]: r["license"] for r in rows}
    assert lic["usr/share/fake/sounds/dog2.wav"] == lic["usr/share/fake/sounds/farm.rcc!res/animals/cow.wav"] == "CC0"
    segs = [r for r in rows if "#seg" in r["path"]]
    assert 2 <= len(segs) <= ds.SEG_PER_FILE and len({r["group"] for r in segs}) == 1
    assert len({r["group"] for r in rows if "dog" in r["path"]}) == 1
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r) == set(ds.MANIFEST_FIELDS)
        assert isinstance(r["id"], str) and isinstance(r["group"], str) and isinstance(r["duration"], float)
        assert r["source"] == pkg and r["license"] == ("CC0" if "dog2" in r["path"] or "cow" in r["path"]
                                                        else "test-license")
        assert r["labels"] and set(r["labels"]) <= set(ds.LABELS)
        assert r["file"].startswith("wav/")
        info = sf.info(out / r["file"])
        assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"
        assert abs(info.frames / 16000 - r["duration"]) < 0.01
        assert 0.1 <= r["duration"] <= ds.MAX_DUR
    assert "animal" in (out / "summary.md").read_text()
    assert ds.load_manifest(str(out / "clips.jsonl")) == rows
    png = ds.sheet(str(out), "animal")
    assert os.path.getsize(png) > 1000
    # a second build reuses the converted clips and gives the same manifest
    again = ds.build([pkg], str(out), str(tmp_path / "work"), download=fake_download, workers=1,
                     log=lambda *a: None)
    assert again == rows


# ---------------------------------------------------------------------------------------------
# archives: Qt resource bundles (gcompris-qt-data) and OpenClonk c4groups (openclonk-data)
def make_rcc(files, version=3):
    """A Qt .rcc bundle holding `files` {path: (bytes, compress)} (the layout rcc writes: breadth-first tree,
    children sorted by name hash; our reader does not depend on the order)."""
    import struct
    import zlib
    tree = {}
    for path in files:
        node = tree
        for part in path.split("/")[:-1]:
            node = node.setdefault(part, {})
        node[path.split("/")[-1]] = path
    names, name_off = b"", {}

    def name_of(n):
        nonlocal names
        if n not in name_off:
            name_off[n] = len(names)
            enc = n.encode("utf-16-be")
            names += struct.pack(">HI", len(n), 0) + enc
        return name_off[n]

    data, nodes = b"", [None]                            # node 0: the root
    order = [(0, tree)]
    while order:
        idx, node = order.pop(0)
        first = len(nodes)
        kids = sorted(node)
        for k in kids:
            nodes.append(None)
        for j, k in enumerate(kids):
            child = node[k]
            if isinstance(child, dict):
                order.append((first + j, child))
                nodes[first + j] = ("dir", name_of(k), child, None)
            else:
                raw, compress = files[child]
                payload = (struct.pack(">I", len(raw)) + zlib.compress(raw)) if compress else raw
                nodes[first + j] = ("file", name_of(k), 1 if compress else 0, len(data))
                data += struct.pack(">I", len(payload)) + payload
        nodes[idx] = ("dir", nodes[idx][1] if idx else 0, len(kids), first)
    blob_nodes = b""
    for kind, noff, a, b in nodes:
        if kind == "dir":
            blob_nodes += struct.pack(">IHII", noff, 2, a, b)
        else:
            blob_nodes += struct.pack(">IHHHI", noff, a, 0, 0, b)
        if version >= 2:
            blob_nodes += b"\0" * 8
    head = 24 if version >= 3 else 20
    tree_off, data_off = head, head + len(blob_nodes)
    names_off = data_off + len(data)
    header = b"qres" + struct.pack(">IIII", version, tree_off, data_off, names_off)
    if version >= 3:
        header += struct.pack(">I", 0)
    return header + blob_nodes + data + names


def _scramble(b):
    b = bytearray(b)
    for i in range(0, len(b) - 2, 3):
        b[i], b[i + 2] = b[i + 2], b[i]
    return bytes(x ^ 237 for x in b)


def make_c4(files, top=True):
    """An OpenClonk c4group of `files` {name: bytes or dict (a child group)}."""
    import gzip
    import struct
    entries, data = b"", b""
    for name, content in files.items():
        child = isinstance(content, dict)
        blob = make_c4(content, top=False) if child else content
        e = name.encode("latin-1").ljust(260, b"\0") + struct.pack("<iiiii", 0, int(child), len(blob), 0, len(data))
        entries += e.ljust(ds.C4_ENTRY, b"\0")
        data += blob
    header = b"RedWolf Design GrpFolder".ljust(28, b"\0") + struct.pack("<iii", 1, 2, len(files))
    header = _scramble(header.ljust(ds.C4_HEADER, b"\0"))
    blob = header + entries + data
    if top:
        blob = gzip.compress(blob)
        blob = b"\x1e\x8c" + blob[2:]
    return blob


@pytest.mark.parametrize("version", [1, 2, 3])
def test_rcc_members(version):
    files = {"gcompris/src/a/dog.ogg": (b"OggS-dog" * 50, True), "gcompris/src/a/x.wav": (b"RIFF" + bytes(30), False),
             "gcompris/top.qml": (b"import QtQuick", True)}
    got = ds.rcc_members(make_rcc(files, version))
    assert got == {k: v for k, (v, _) in files.items()}
    with pytest.raises(ValueError):
        ds.rcc_members(b"PK\x03\x04" + bytes(40))


def test_c4_members_nested_and_scrambled():
    files = {"Hits.ocg": {"Glass.ocg": {"GlassBreak1.ogg": b"OggS" + bytes(100)}, "RockHit.ogg": b"OggS-rock"},
             "Fire.ogg": b"OggS-fire", "Desc.txt": b"text"}
    got = ds.c4_members(make_c4(files))
    assert got == {"Hits.ocg/Glass.ocg/GlassBreak1.ogg": b"OggS" + bytes(100), "Hits.ocg/RockHit.ogg": b"OggS-rock",
                   "Fire.ogg": b"OggS-fire", "Desc.txt": b"text"}
    with pytest.raises(ValueError):
        ds.c4_members(bytes(300))


def test_list_audio_and_materialise_read_every_archive_kind(tmp_path):
    import zipfile
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "plain.ogg").write_bytes(b"OggS1")
    (tmp_path / "a" / "b.rcc").write_bytes(make_rcc({"res/cow.ogg": (b"OggS-cow", True), "res/x.qml": (b"q", False)}))
    (tmp_path / "a" / "Sound.ocg").write_bytes(make_c4({"Animals.ocg": {"Bat.ogg": b"OggS-bat"}}))
    with zipfile.ZipFile(tmp_path / "a" / "p.zip", "w") as z:
        z.writestr("audio/rain.ogg", b"OggS-rain")
    (tmp_path / "a" / "broken.rcc").write_bytes(b"garbage")
    got = ds.list_audio(str(tmp_path))
    assert got == ["a/Sound.ocg!Animals.ocg/Bat.ogg", "a/b.rcc!res/cow.ogg", "a/p.zip!audio/rain.ogg", "a/plain.ogg"]
    assert open(ds.materialise(str(tmp_path), "a/b.rcc!res/cow.ogg"), "rb").read() == b"OggS-cow"
    assert open(ds.materialise(str(tmp_path), "a/Sound.ocg!Animals.ocg/Bat.ogg"), "rb").read() == b"OggS-bat"
    assert open(ds.materialise(str(tmp_path), "a/p.zip!audio/rain.ogg"), "rb").read() == b"OggS-rain"


COPYRIGHT = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fake

Files: *
Copyright: someone
License: GPL-2+

Files: data/sfx/cow.ogg
 data/sfx/rain*.ogg
Copyright: another
License: CC0
Comment: a file of its own

Files: src/activities/farm/resource/*
Copyright: 2014, x
License: CC-BY-SA-4.0

License: GPL-2+
 The text of the license.
"""


def test_dep5_license_last_matching_stanza_wins_on_installed_paths():
    st = ds.dep5_stanzas(COPYRIGHT)
    assert [lic for _, lic in st] == ["GPL-2+", "CC0", "CC-BY-SA-4.0"]
    assert ds.dep5_license(st, "usr/share/games/fake/data/sfx/cow.ogg") == "CC0"
    assert ds.dep5_license(st, "usr/share/games/fake/data/sfx/rain_2.ogg#seg1") == "CC0"
    assert ds.dep5_license(st, "usr/share/games/fake/data/sfx/horse.ogg") == "GPL-2+"
    assert ds.dep5_license(st, "usr/share/x/rcc/farm.rcc!gcompris/src/activities/farm/resource/pig.ogg") == \
        "CC-BY-SA-4.0"
    assert ds.dep5_license([], "a/b.ogg") is None
    assert ds.dep5_stanzas("This package was debianized by someone.\n\nLicense:\n  ISC\n") == []


NEW_LABEL_CASES = {
    "gcompris-qt-data": {
        "usr/share/gcompris-qt/rcc/explore_farm_animals.rcc!gcompris/src/activities/explore_farm_animals/resource/"
        "animals/cow.ogg": ["animal"],
        "usr/share/gcompris-qt/rcc/instruments.rcc!gcompris/src/activities/instruments/resource/harmonica.ogg":
            ["music"],
        "usr/share/gcompris-qt/rcc/memory-sound.rcc!gcompris/src/activities/memory-sound/resource/"
        "LRTrain_slowing_down_01_LA_cut.ogg": ["vehicle"],
        "usr/share/gcompris-qt/rcc/memory-sound.rcc!gcompris/src/activities/memory-sound/resource/LRWeird_1_LA.ogg":
            None,
    },
    "openclonk-data": {
        "usr/share/games/openclonk/Sound.ocg!Hits.ocg/Materials.ocg/Glass.ocg/GlassBreak1.ogg": ["impact"],
        "usr/share/games/openclonk/Sound.ocg!Animals.ocg/Wipf.ocg/Whine1.ogg": None,
        "usr/share/games/openclonk/Sound.ocg!Hits.ocg/Materials.ocg/Wood.ocg/WoodCreak3.ogg": None,
        "usr/share/games/openclonk/Sound.ocg!Clonk.ocg/Skin.ocg/Farmer.ocg/Hurt2.ogg": ["human"],
        "usr/share/games/openclonk/Music.ocg/Cavern.ogg": ["music"],
    },
    "torcs-data": {
        "usr/share/games/torcs/data/sound/renault-v10.wav": ["vehicle"],
        "usr/share/games/torcs/data/sound/crash3.wav": ["impact"],
        "usr/share/games/torcs/data/sound/gear_change1.wav": None,
    },
    "widelands-data": {
        "usr/share/games/widelands/data/sound/animals/wolf_01.ogg": ["animal"],
        "usr/share/games/widelands/data/sound/sawmill/sawmill_00.ogg": ["noise"],
        "usr/share/games/widelands/data/sound/click.ogg": None,
    },
    "fillets-ng-data-cs": {
        "usr/share/games/fillets-ng/sound/airplane/cs/let-m-oko.ogg": ["speech"],
    },
    "megaglest-data": {
        "usr/share/games/megaglest/tilesets/birch_forest/sounds/wolf.wav": ["animal"],
        "usr/share/games/megaglest/tilesets/meadow/sounds/wolf.wav": None,          # a byte-identical copy
        "usr/share/games/megaglest/tilesets/meadow/sounds/day.ogg": None,
        "usr/share/games/megaglest/techs/megapack/commondata/sounds/cow_die2.wav": ["animal"],
        "usr/share/games/megaglest/techs/megapack/commondata/sounds/horseman_ack3.wav": None,
        "usr/share/games/megaglest/data/core/water_sounds/water4.wav": ["water"],
        "usr/share/games/megaglest/tilesets/winter/sounds/wind.ogg": ["noise"],
    },
    "btanks-data": {
        "usr/share/games/btanks/data/sounds/helicopter.ogg": ["vehicle"],
        "usr/share/games/btanks/data/sounds/fire-fadeout.ogg": ["noise"],
        "usr/share/games/btanks/data/sounds/teleport.ogg": None,
    },
    "flare-game": {
        "usr/share/games/flare/mods/fantasycore/soundfx/environment/river_loop.ogg": ["water"],
        "usr/share/games/flare/mods/fantasycore/soundfx/environment/raven_loop.ogg": ["animal"],
        "usr/share/games/flare/mods/fantasycore/soundfx/environment/teleporter.ogg": None,
    },
    "7kaa-data": {
        "usr/share/games/7kaa/SOUND/RAIN.WAV": ["water"],
        "usr/share/games/7kaa/SOUND/QUAKE.WAV": None,
    },
    "freeciv-data": {
        "usr/share/games/freeciv/stdsounds/Tread.ogg": ["vehicle"],
        "usr/share/games/freeciv/stdsounds/illegal.ogg": None,
    },
}


@pytest.mark.parametrize("pkg", sorted(NEW_LABEL_CASES))
def test_label_rules_of_archive_and_new_sources(pkg):
    for path, want in NEW_LABEL_CASES[pkg].items():
        got, _ = ds.label_path(pkg, path)
        assert got == want, (pkg, path, got)
