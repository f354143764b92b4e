"""Seeded synthetic 10-class audio set and the serving contract's features.

  /usr/bin/python3 model/data.py --train 2000 --val 300 --test 600     # one command, progress bar, ~10 min

Every clip is a pure function of (split seed, index, batch of 40): labels cycle through the classes, lengths are
drawn from 0.5-12 s, background noise is mixed in at 3-30 dB SNR. Sources (apt packages only):
- speech:   espeak-ng, random voice/variant, language, rate, pitch, word salad sentences
- piano, strings, brass, woodwind, drums: random melodies/chords/rhythms written as MIDI by this file and
            rendered by fluidsynth with fluid-soundfont-gm (the General MIDI families)
- siren (wail/yelp/hi-lo sweeps), alarm (periodic beeps), engine (harmonic motor hum), noise
  (rain/wind/static): synthesised here with numpy; sox resamples and adds reverb
Writes model/data/<split>.npz (int16 waveforms concatenated, offsets, labels) and model/data/stats.json
(fbank mean/std over the training split). Audio is git-ignored; only this recipe is committed.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchaudio

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# this recipe's own classes (the first shipped model's, single-label); the monitoring set is dataset.py's
LABELS = ["speech", "siren", "alarm", "piano", "strings", "brass", "woodwind", "drums", "engine", "noise"]

RECIPE_VERSION = "synth-v1"
SR = 16000
HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "data")
SPLIT_SEEDS = {"train": 1001, "val": 2002, "test": 3003}  # disjoint seeds -> disjoint clips
MIN_SECONDS, MAX_SECONDS = 0.5, 12.0
SNR_DB = (3.0, 30.0)
SOUNDFONT = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
GM_FAMILIES = {"piano": range(0, 8), "strings": range(40, 52), "brass": range(56, 64), "woodwind": range(64, 80)}
ESPEAK_LANGS = ["en", "en-us", "en-gb-scotland", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "ru", "cs", "fi",
                "hu", "tr", "el", "da", "nb", "ro"]
ESPEAK_VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+m5", "+f1", "+f2", "+f3", "+f4", "+f5", "+croak", "+klatt",
                   "+whisper", "+grandma", "+Alex", "+Andy", "+antonio", "+belinda", "+Mr serious"]
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "ne", "ba", "do", "fi", "gu", "ha", "je", "pa", "so", "vi", "wa",
             "ze", "tor", "man", "sen", "dal", "rik", "mon", "ste", "pli", "gra", "and", "the", "is", "of", "ver"]


# features (the serving contract; the Java featurizer must match this bit for bit)

def fbank(wave: torch.Tensor, frame_shift_ms: float) -> torch.Tensor:
    """wave [samples] float in [-1, 1] at 16 kHz -> log-mel [frames, 128]."""
    return torchaudio.compliance.kaldi.fbank(
        wave.unsqueeze(0), htk_compat=True, use_energy=False, window_type="hanning", dither=0.0,
        frame_length=25.0, frame_shift=float(frame_shift_ms), num_mel_bins=128, sample_frequency=SR)


def normalise(fb, mean, std):
    return (fb - mean) / (2.0 * std)


# helpers

def rms(x):
    return float(np.sqrt(np.mean(x ** 2) + 1e-12))


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def read_wav_16k(path, tmp):
    """Any wav -> mono float32 at 16 kHz (sox resamples)."""
    out = os.path.join(tmp, "r16k.wav")
    run(["sox", "-D", "-R", path, "-r", str(SR), "-c", "1", "-b", "16", out])
    import soundfile
    x, sr = soundfile.read(out, dtype="float32")
    assert sr == SR
    return x if x.ndim == 1 else x.mean(axis=1)


def fit_length(x, n, rng):
    """Crop a random n-sample stretch, or keep a shorter sound whole (its natural length)."""
    if len(x) > n:
        start = int(rng.integers(0, len(x) - n + 1))
        return x[start:start + n]
    return x


def colored_noise(n, rng, kind):
    white = rng.standard_normal(n)
    if kind == "white":
        return white
    spec = np.fft.rfft(white)
    f = np.arange(len(spec), dtype=np.float64)
    f[0] = 1.0
    spec = spec / (f ** (0.5 if kind == "pink" else 1.0))  # pink 1/f power, brown 1/f^2 power
    y = np.fft.irfft(spec, n)
    return y / (rms(y) + 1e-12)


def lowpass(x, cutoff_hz):
    spec = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(len(x), 1.0 / SR)
    spec[freqs > cutoff_hz] = 0
    return np.fft.irfft(spec, len(x))


# MIDI (format 0, one track) written by hand: no MIDI library in Debian's python3 set we rely on

def _varlen(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.insert(0, (v & 0x7F) | 0x80)
        v >>= 7
    return bytes(out)


def write_midi(path, events, tempo_bpm, ticks=480):
    """events: (time_beats, bytes message) list; written sorted with delta times."""
    track = b""
    track += _varlen(0) + b"\xff\x51\x03" + int(60e6 / tempo_bpm).to_bytes(3, "big")
    last = 0
    for t, msg in sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90)):
        tick = int(round(t * ticks))
        track += _varlen(tick - last) + msg
        last = tick
    track += _varlen(0) + b"\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, ticks))
        f.write(b"MTrk" + struct.pack(">I", len(track)) + track)


def melody_events(rng, program, beats, channel=0):
    events = [(0.0, bytes([0xC0 | channel, program]))]
    scale = [0, 2, 4, 5, 7, 9, 11] if rng.random() < 0.5 else [0, 2, 3, 5, 7, 8, 10]
    root = int(rng.integers(45, 66))
    polyphony = int(rng.integers(1, 4))
    t, degree = 0.0, int(rng.integers(0, 7))
    while t < beats:
        dur = float(rng.choice([0.25, 0.5, 0.5, 1.0, 1.0, 1.5, 2.0]))
        degree = int(np.clip(degree + rng.integers(-2, 3), -7, 14))
        chord = [degree + 2 * k for k in range(int(rng.integers(1, polyphony + 1)))]
        vel = int(rng.integers(60, 120))
        for d in chord:
            note = root + 12 * (d // 7) + scale[d % 7]
            note = int(np.clip(note, 21, 108))
            events.append((t, bytes([0x90 | channel, note, vel])))
            events.append((t + dur * float(rng.uniform(0.6, 1.0)), bytes([0x80 | channel, note, 0])))
        t += dur
    return events


def drum_events(rng, beats):
    ch = 9  # GM percussion channel
    kit = [36, 38, 42, 46, 49, 45, 48, 50, 39, 51, 44]
    steps = 16
    pattern = {n: rng.random(steps) < p for n, p in zip(kit, [0.35, 0.25, 0.6, 0.1, 0.05, 0.1, 0.08, 0.08, 0.1,
                                                                0.2, 0.15])}
    events = []
    for bar in range(int(np.ceil(beats / 4))):
        for s in range(steps):
            t = bar * 4 + s * 0.25
            for note, hits in pattern.items():
                if hits[s] and t < beats:
                    vel = int(rng.integers(50, 127))
                    events.append((t, bytes([0x90 | ch, note, vel])))
                    events.append((t + 0.2, bytes([0x80 | ch, note, 0])))
    if not events:
        events.append((0.0, bytes([0x90 | ch, 38, 100])))
        events.append((0.2, bytes([0x80 | ch, 38, 0])))
    return events


MIDI_GAP_SECONDS = 2.0  # silence between clips rendered in one fluidsynth call (reverb tails die out)


def render_midi_batch(clips, tmp):
    """clips: list of (events in seconds, seconds). One fluidsynth call for the whole batch (loading the
    148 MB soundfont costs ~2 s per call); each clip is cut back out at its known offset."""
    events, offsets, t0 = [], [], 0.0
    for clip_events, seconds in clips:
        offsets.append(t0)
        for ch in (0, 9):  # all notes off + sound off between clips
            events.append((t0, bytes([0xB0 | ch, 120, 0])))
            events.append((t0, bytes([0xB0 | ch, 123, 0])))
        events += [(t0 + 0.001 + t, msg) for t, msg in clip_events]
        t0 += seconds + MIDI_GAP_SECONDS
    mid, wav = os.path.join(tmp, "m.mid"), os.path.join(tmp, "m.wav")
    write_midi(mid, events, tempo_bpm=60.0, ticks=1000)  # 1 beat = 1 s, 1 tick = 1 ms
    run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-r", str(SR), "-F", wav, SOUNDFONT, mid])
    audio = read_wav_16k(wav, tmp)
    out = []
    for (_, seconds), start in zip(clips, offsets):
        a = int(start * SR)
        seg = audio[a:a + int(seconds * SR)]
        out.append(np.concatenate([seg, np.zeros(int(seconds * SR) - len(seg))]))
    return out


# the ten classes: speech and the numpy synths return audio; MIDI classes return events (rendered in batches)

def synth_speech(rng, seconds, tmp):
    words = []
    for _ in range(int(seconds * 3) + 2):
        words.append("".join(rng.choice(SYLLABLES, size=int(rng.integers(1, 4)))))
    text = ". ".join(" ".join(words[i:i + 7]) for i in range(0, len(words), 7))
    voice = str(rng.choice(ESPEAK_LANGS)) + str(rng.choice(ESPEAK_VARIANTS))
    wav = os.path.join(tmp, "s.wav")
    run(["espeak-ng", "-v", voice, "-s", str(int(rng.integers(110, 230))), "-p", str(int(rng.integers(10, 90))),
         "-w", wav, text])
    return read_wav_16k(wav, tmp)
def synth_siren(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    kind = rng.choice(["wail", "yelp", "hilo"])
    lo, hi = rng.uniform(450, 900), rng.uniform(1100, 1900)
    if kind == "wail":
        period = rng.uniform(2.0, 6.0)
        f = lo + (hi - lo) * 0.5 * (1 - np.cos(2 * np.pi * t / period))
    elif kind == "yelp":
        period = rng.uniform(0.15, 0.45)
        f = lo + (hi - lo) * ((t / period) % 1.0)
    else:
        period = rng.uniform(0.6, 1.4)
        f = np.where((t / period) % 1.0 < 0.5, lo, hi)
    phase = 2 * np.pi * np.cumsum(f) / SR
    harmonics = int(rng.integers(1, 6))
    x = sum(np.sin(k * phase) / k for k in range(1, harmonics + 1))
    doppler = 1 + 0.3 * np.sin(2 * np.pi * t / rng.uniform(5, 20) + rng.uniform(0, 6.3))  # passing vehicle
    return x * doppler


def synth_alarm(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f1 = rng.uniform(700, 4000)
    f2 = f1 * rng.choice([1.0, 1.0, 1.25, 0.8, 1.5])
    on, off = rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.6)
    period = on + off
    cycle = (t % period)
    gate = (cycle < on).astype(np.float64)
    which = ((t // period) % 2).astype(bool)
    f = np.where(which, f2, f1)
    phase = 2 * np.pi * np.cumsum(f) / SR
    wave = np.sin(phase) if rng.random() < 0.5 else np.sign(np.sin(phase)) * 0.5
    ramp = np.minimum(1.0, np.minimum(cycle, np.maximum(on - cycle, 0)) / 0.005)  # no clicks at the edges
    return wave * gate * ramp


def synth_engine(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f0 = rng.uniform(20, 120) * (1 + 0.15 * np.sin(2 * np.pi * t / rng.uniform(3, 12)) * rng.random())
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(rng.uniform(0.2, 1.0) / k * np.sin(k * phase + rng.uniform(0, 6.3)) for k in range(1, 12))
    firing = 1 + rng.uniform(0.1, 0.6) * np.sin(phase * rng.choice([0.5, 1.0, 2.0]))
    rumble = lowpass(colored_noise(n, rng, "white"), rng.uniform(300, 1500)) * rng.uniform(0.1, 0.5)
    whine = 0.1 * rng.random() * np.sin(phase * rng.uniform(15, 40))
    return x * firing + rumble + whine


def synth_noise(rng, seconds, tmp):
    n = int(seconds * SR)
    kind = rng.choice(["rain", "wind", "static"])
    if kind == "rain":
        x = colored_noise(n, rng, "pink")
        drops = np.zeros(n)
        idx = rng.integers(0, n, size=int(seconds * rng.uniform(50, 400)))
        drops[idx] = rng.uniform(0.5, 3.0, size=len(idx))
        x = x + np.convolve(drops, np.exp(-np.arange(80) / 10.0), mode="same")
    elif kind == "wind":
        x = lowpass(colored_noise(n, rng, "white"), rng.uniform(300, 2000))
        t = np.arange(n) / SR
        x = x * (1 + 0.8 * np.sin(2 * np.pi * t / rng.uniform(1.5, 6) + rng.uniform(0, 6.3)))
    else:
        x = colored_noise(n, rng, "white")
        crackle = (rng.random(n) < rng.uniform(0.0005, 0.005)) * rng.uniform(-4, 4, size=n)
        x = x + crackle
    return x


def in_seconds(events, tempo, seconds):
    beat = 60.0 / tempo
    # note-offs may fall a little after the end (a held note ends), never into the next clip of a batch
    return [(t * beat, msg) for t, msg in events
            if t * beat < seconds or (msg[0] & 0xF0 == 0x80 and t * beat < seconds + 1.0)]


def midi_instrument(family):
    def events(rng, seconds):
        tempo = float(rng.uniform(60, 160))
        program = int(rng.choice(list(GM_FAMILIES[family])))
        return in_seconds(melody_events(rng, program, seconds * tempo / 60.0 + 1), tempo, seconds)
    return events


def midi_drums(rng, seconds):
    tempo = float(rng.uniform(70, 170))
    return in_seconds(drum_events(rng, seconds * tempo / 60.0 + 1), tempo, seconds)


AUDIO_SYNTHS = {"speech": synth_speech, "siren": synth_siren, "alarm": synth_alarm, "engine": synth_engine,
                "noise": synth_noise}
MIDI_SYNTHS = {"piano": midi_instrument("piano"), "strings": midi_instrument("strings"),
               "brass": midi_instrument("brass"), "woodwind": midi_instrument("woodwind"), "drums": midi_drums}
assert sorted(list(AUDIO_SYNTHS) + list(MIDI_SYNTHS)) == sorted(LABELS)


def plan_clip(split_seed: int, index: int):
    """Label, length and (for MIDI classes) the note events of one clip; deterministic in (split_seed, index)."""
    rng = np.random.default_rng([split_seed, index, 0])
    label = index % len(LABELS)
    seconds = float(rng.uniform(MIN_SECONDS, MAX_SECONDS))
    name = LABELS[label]
    events = MIDI_SYNTHS[name](rng, seconds) if name in MIDI_SYNTHS else None
    return label, seconds, events


def finish_clip(split_seed, index, label, seconds, raw, tmp):
    """Source audio -> natural-length clip with room, background noise at a random SNR and a random level."""
    rng = np.random.default_rng([split_seed, index, 1])
    n = int(seconds * SR)
    name = LABELS[label]
    x = np.asarray(raw if raw is not None else AUDIO_SYNTHS[name](rng, seconds, tmp), dtype=np.float64)
    x = fit_length(x, n, rng)
    if name in ("speech", "drums", "piano", "strings", "brass", "woodwind"):
        x = np.trim_zeros(np.where(np.abs(x) < 1e-4, 0, x))  # drop leading/trailing digital silence
    if len(x) < int(MIN_SECONDS * SR):  # keep the minimum length: pad a too-short sound with silence
        x = np.concatenate([x, np.zeros(int(MIN_SECONDS * SR) - len(x))])
    x = x / (rms(x) + 1e-9)
    if rng.random() < 0.3:  # room: sox reverb on a third of the clips
        import soundfile
        a, b = os.path.join(tmp, "dry.wav"), os.path.join(tmp, "wet.wav")
        soundfile.write(a, (np.clip(x * 0.1, -1, 1)).astype(np.float32), SR, subtype="FLOAT")
        run(["sox", "-D", "-R", a, b, "reverb", str(int(rng.integers(20, 90))), "trim", "0", f"{len(x) / SR:.4f}"])
        x = soundfile.read(b, dtype="float64")[0] * 10.0
        x = x / (rms(x) + 1e-9)
    snr = rng.uniform(*SNR_DB)
    background = colored_noise(len(x), rng, str(rng.choice(["white", "pink", "brown"])))
    x = x + background * 10 ** (-snr / 20.0)
    gain_db = rng.uniform(-34, -12)  # level: between quiet and loud, rarely clipping
    x = x / (rms(x) + 1e-9) * 10 ** (gain_db / 20.0)
    x = np.clip(x, -1.0, 1.0)
    return (x * 32767.0).astype(np.int16)


def make_batch(split_seed, indices):
    """-> [(index, int16 waveform, label)]; the batch's MIDI clips share one fluidsynth call. Output is a pure
    function of (split_seed, indices); a MIDI clip rendered in another batch differs slightly (synth state)."""
    plans = {i: plan_clip(split_seed, i) for i in indices}
    midi = [i for i in indices if plans[i][2] is not None]
    with tempfile.TemporaryDirectory() as tmp:
        rendered = dict(zip(midi, render_midi_batch([(plans[i][2], plans[i][1]) for i in midi], tmp))) if midi else {}
        return [(i, finish_clip(split_seed, i, plans[i][0], plans[i][1], rendered.get(i), tmp), plans[i][0])
                for i in indices]


def _make(args):
    return make_batch(*args)


def generate_split(name, count, workers, batch=40):
    from multiprocessing import Pool
    from tqdm import tqdm
    seed = SPLIT_SEEDS[name]
    jobs = [(seed, list(range(a, min(a + batch, count)))) for a in range(0, count, batch)]
    waves, labels = [None] * count, [None] * count
    with Pool(workers) as pool, tqdm(total=count, desc=f"synth {name}", unit="clip") as bar:
        for results in pool.imap_unordered(_make, jobs):
            for i, w, y in results:
                waves[i], labels[i] = w, y
            bar.update(len(results))
    offsets = np.cumsum([0] + [len(w) for w in waves])
    os.makedirs(DATA_DIR, exist_ok=True)
    np.savez(os.path.join(DATA_DIR, f"{name}.npz"), audio=np.concatenate(waves), offsets=offsets,
             labels=np.array(labels), recipe=RECIPE_VERSION, seed=seed)


def load_split(name):
    """-> (list of float32 torch waveforms in [-1, 1], labels tensor)."""
    z = np.load(os.path.join(DATA_DIR, f"{name}.npz"))
    audio, offsets = z["audio"], z["offsets"]
    waves = [torch.from_numpy(audio[offsets[i]:offsets[i + 1]].astype(np.float32) / 32768.0)
             for i in range(len(offsets) - 1)]
    return waves, torch.from_numpy(z["labels"]).long()


# precomputed features: a compact copy of the dataset for a machine without the synthesis tools (a GPU box)

FEATURE_SHIFT_MS = 10   # 20/30/40 ms fbank frames are every 2nd/3rd/4th 10 ms frame (same 25 ms window, snip_edges)
FEATURE_STEP = 0.04     # quantisation step of the normalised log-mel: 0.35 nat (1.5 dB), noise std 0.1 nat, below
                        # the fbank's own fluctuation in noise (0.2-0.6 nat per bin)
LOG_FLOOR = float(np.log(np.finfo(np.float32).eps))  # kaldi fbank's smallest log-mel value (-15.94)


def export_features(path, splits, mean, std, part=0, parts=1):
    """Normalised 10 ms fbank of every clip i with i % parts == part, quantised to uint8 and xz-compressed
    (train+val of synth-v1: ~90 MB in two parts instead of 450 MB of int16 audio)."""
    import io
    import lzma
    floor = (LOG_FLOOR - mean) / (2.0 * std)  # uint8 0 = the floor; 255 steps above it cover any log-mel seen
    arrays = {"mean": np.float64(mean), "std": np.float64(std), "step": np.float64(FEATURE_STEP),
              "floor": np.float64(floor), "shift_ms": np.int64(FEATURE_SHIFT_MS)}
    for name in splits:
        waves, labels = load_split(name)
        index = [i for i in range(len(waves)) if i % parts == part]
        q, lens = [], []
        for i in index:
            z = normalise(fbank(waves[i], FEATURE_SHIFT_MS), mean, std).numpy()
            q.append(np.clip(np.round((z - floor) / FEATURE_STEP), 0, 255).astype(np.uint8))
            lens.append(len(z))
        arrays.update({f"{name}_q": np.concatenate(q), f"{name}_lens": np.array(lens, dtype=np.int64),
                       f"{name}_labels": labels.numpy()[index], f"{name}_index": np.array(index, dtype=np.int64)})
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    with lzma.open(path, "wb", preset=6) as f:
        f.write(buf.getvalue())


def load_features(paths, name):
    """-> (list of normalised 10 ms fbank tensors [frames, 128], labels tensor, mean, std) of one split, merged
    over the part files given (clips in index order)."""
    import io
    import lzma
    clips = {}
    mean = std = None
    for path in paths:
        with lzma.open(path, "rb") as f:
            z = np.load(io.BytesIO(f.read()))
        mean, std, step, floor = float(z["mean"]), float(z["std"]), float(z["step"]), float(z["floor"])
        q, lens = z[f"{name}_q"], z[f"{name}_lens"]
        starts = np.concatenate([[0], np.cumsum(lens)])
        for k, (i, y) in enumerate(zip(z[f"{name}_index"], z[f"{name}_labels"])):
            fb = q[starts[k]:starts[k + 1]].astype(np.float32) * step + floor
            clips[int(i)] = (torch.from_numpy(fb), int(y))
    order = sorted(clips)
    return [clips[i][0] for i in order], torch.tensor([clips[i][1] for i in order]), mean, std


def measure_stats(waves, frame_shifts=(10, 20, 30, 40)):
    """Mean/std of the fbank values over the training clips (all frame shifts pooled, float64 sums)."""
    s = s2 = n = 0.0
    for i, w in enumerate(waves):
        fb = fbank(w, frame_shifts[i % len(frame_shifts)]).double()
        s += float(fb.sum())
        s2 += float((fb ** 2).sum())
        n += fb.numel()
    mean = s / n
    return mean, float(np.sqrt(s2 / n - mean ** 2))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--val", type=int, default=300)
    ap.add_argument("--test", type=int, default=600)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--export-features", metavar="PREFIX",
                    help="write PREFIX.<k>.xz: quantised 10 ms fbank of train+val in --parts files, then exit")
    ap.add_argument("--parts", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.export_features:
        stats = json.load(open(os.path.join(DATA_DIR, "stats.json")))
        for k in range(args.parts):
            export_features(f"{args.export_features}.{k}.xz", ("train", "val"), stats["mean"], stats["std"], k, args.parts)
        return
    os.makedirs(DATA_DIR, exist_ok=True)
    with open(os.path.join(DATA_DIR, "labels.txt"), "w") as f:
        f.write("\n".join(LABELS) + "\n")
    for name in ("train", "val", "test"):
        generate_split(name, getattr(args, name), args.workers)
    waves, _ = load_split("train")
    mean, std = measure_stats(waves)
    with open(os.path.join(DATA_DIR, "stats.json"), "w") as f:
        json.dump({"mean": mean, "std": std, "recipe": RECIPE_VERSION, "train_clips": len(waves)}, f, indent=2)
    print(f"train fbank mean {mean:.4f} std {std:.4f}")


if __name__ == "__main__":
    main()
