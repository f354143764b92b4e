#!/usr/bin/env python3
"""Seeded synthetic clips for the monitoring label set (speech, music, siren, alarm, animal, vehicle, impact,
water, human, noise).

    /usr/bin/python3 model/synth.py --count 3000 [--out model/data/synth] [--seed 7] [--workers 2]
    /usr/bin/python3 model/synth.py --out model/data/synth --sheet siren      # -> sheets/siren.png

Writes <out>/wav/<id>.wav (16 kHz mono 16-bit), <out>/clips.jsonl (id, source, path, license, labels, duration,
group, file) and <out>/summary.md. Every clip is a pure function of (seed, index): its category comes from a
seeded permutation of a 20-slot pattern (so the label mix is exact at every multiple of 20), everything else
from np.random.default_rng([seed, index, ...]); each fluidsynth / espeak-ng call renders one clip alone.

Recipes: espeak-ng speech (word salad, sentences, reverberant announcements), fluidsynth MIDI music over
several allowed soundfonts, numpy sirens / alarms / noise / vehicles / water. ~10 % of clips overlay a second
recipe of another category and carry the union of labels. Reserved synthesizers (timgm6mb, flite, festival,
festvox) are kept for independent evaluation: `guard` refuses them on every soundfont path and command.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import colored_noise, drum_events, in_seconds, melody_events, rms, write_midi  # noqa: E402
from scipy import signal


SR = 16000
NYQ_SAFE = 7600.0           # highest partial we synthesise at 16 kHz (band-limited waveforms)
MIN_SECONDS, MAX_SECONDS = 0.5, 10.0
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "data", "synth")

# reserved for independent evaluation: never used here
RESERVED = ("timgm6mb", "flite", "festival", "festvox")


def guard(*items):
    """Refuse any command / path that names (or resolves to) a reserved synthesizer or soundfont."""
    for item in items:
        for s in (str(item), os.path.realpath(str(item)) if os.path.exists(str(item)) else ""):
            low = s.lower()
            for bad in RESERVED:
                if bad in low:
                    raise RuntimeError(f"reserved synthesizer refused: {item!r} ({bad})")
    return items


def run(cmd, timeout=60):
    guard(*cmd)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)


# soundfonts: (path, weight); sf3 files are slower to load (vorbis), so they are drawn less often
SOUNDFONTS = [("/usr/share/sounds/sf2/FluidR3_GM.sf2", 4),
              ("/usr/share/sounds/sf3/FluidR3Mono_GM.sf3", 2),
              ("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3", 1),
              ("/usr/share/sounds/sf2/OPL-3_FM_128M.sf2", 2),
              ("/usr/share/sounds/sf2/sf_GMbank.sf2", 2)]
guard(*[p for p, _ in SOUNDFONTS])


def available_soundfonts():
    sfs = [(p, w) for p, w in SOUNDFONTS if os.path.exists(p)]
    guard(*[p for p, _ in sfs])
    return sfs


ESPEAK_LANGS = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-us-nyc", "de", "fr-fr", "fr-be", "es",
                "es-419", "it", "nl", "pt", "pt-br", "pl", "sv", "ru", "cs", "sk", "fi", "hu", "tr", "el", "da", "nb",
                "ro", "hr", "sl", "sr", "bg", "uk", "lt", "lv", "et", "is", "ga", "cy", "eu", "ca", "af", "sw", "id",
                "ms", "vi", "hi", "ar", "he", "fa", "cmn", "ja", "ko", "eo", "la", "mt", "sq"]
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5", "croak",
                   "whisper", "whisperf", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6", "Alex",
                   "Alicia", "Andrea", "Andy", "Annie", "AnxiousAndy", "Demonic", "Denis", "Diogo", "Gene", "Gene2",
                   "Henrique", "Hugo", "Jacky", "Lee", "Marco", "Mario", "Michael", "Mike", "Mr serious", "Nguyen",
                   "RicishayMax", "RicishayMax2", "RicishayMax3", "Storm", "Tweaky", "UniRobot", "adam", "anika",
                   "anikaRobot", "announcer", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb", "david",
                   "ed", "edward", "edward2", "fast", "grandma", "grandpa", "gustave", "iven", "iven2", "iven3",
                   "iven4", "john", "kaukovalta", "linda", "marcelo", "max", "michel", "miguel", "norbert", "pablo",
                   "paul", "pedro", "quincy", "rob", "robert", "robosoft", "robosoft2", "robosoft3", "robosoft4",
                   "robosoft5", "robosoft6", "robosoft7", "robosoft8", "sandro", "shelby", "steph", "steph2",
                   "steph3", "travis", "victor", "zac"]
SYLLABLES = ["ka", "lo", "mi", "ra", "te", "su", "ne", "ba", "do", "fi", "gu", "ha", "je", "pa", "so", "vi", "wa",
             "ze", "tor", "man", "sen", "dal", "rik", "mon", "ste", "pli", "gra", "and", "the", "is", "of", "ver",
             "ich", "que", "per", "sch", "lin", "o", "a", "en", "ut", "ko", "bri", "sta"]
SUBJECTS = ["the driver", "my neighbour", "a small dog", "the old man", "our teacher", "the committee", "she", "he",
            "we", "they", "the engineer", "your friend", "the children", "a stranger", "the manager", "everyone"]
VERBS = ["opened", "found", "carried", "painted", "forgot", "repaired", "wanted", "watched", "sold", "followed",
         "described", "moved", "checked", "cleaned", "ordered", "explained"]
OBJECTS = ["the window", "a blue bicycle", "the report", "three apples", "the back door", "a long letter",
           "the kitchen table", "an umbrella", "the garden gate", "the train timetable", "a heavy box",
           "the radio", "some fresh bread", "the map", "a broken chair", "the new computer"]
TAILS = ["yesterday", "this morning", "after lunch", "in the rain", "before the meeting", "very slowly",
         "without a word", "again", "on Tuesday", "at the station", "for the second time", "last week"]
PLACES = ["Berlin", "Paris", "Madrid", "Rome", "Vienna", "Amsterdam", "Prague", "Oslo", "Dublin", "Lisbon",
          "Warsaw", "Helsinki", "Zurich", "Brussels", "Milan", "Hamburg"]
ANNOUNCE = ["Attention please. The train to {p} will depart from platform {n}.",
            "Ladies and gentlemen, flight {n}{m} to {p} is now boarding at gate {m}.",
            "Please stand clear of the closing doors.",
            "The next station is {p}. Please mind the gap.",
            "This is a safety announcement. Please do not leave your luggage unattended.",
            "Would passenger {s} please come to the information desk.",
            "We regret to announce that the {n} {m} service to {p} has been delayed by {m} minutes.",
            "The store will close in {m} minutes. Please bring your purchases to the checkout.",
            "Attention. This is a test of the public address system.",
            "Platform {n} for the service to {p}, calling at {q}."]
NAMES = ["Miller", "Schmidt", "Garcia", "Rossi", "Novak", "Jansen", "Dupont", "Kowalski", "Nilsen", "Smith"]


# ---------------------------------------------------------------- copied from data.py (its older recipe);
# kept verbatim here so synth.py does not depend on (or import torch through) data.py


# ---------------------------------------------------------------- DSP helpers


def unit(x):
    return x / (np.max(np.abs(x)) + 1e-12)


def bandpass(x, lo, hi, order=2):
    hi = min(hi, SR / 2 * 0.95)
    sos = signal.butter(order, [max(lo, 10.0), hi], btype="band", fs=SR, output="sos")
    return signal.sosfilt(sos, x)


def lowpass(x, hz, order=2):
    return signal.sosfilt(signal.butter(order, min(hz, SR / 2 * 0.95), btype="low", fs=SR, output="sos"), x)


def highpass(x, hz, order=2):
    return signal.sosfilt(signal.butter(order, hz, btype="high", fs=SR, output="sos"), x)


def harmonic_wave(phase, f_max, shape, rng=None, max_k=40):
    """Band-limited waveform from a phase track: 'sine', 'saw' (1/k), 'square' (odd 1/k), 'tri' (odd 1/k^2),
    'reed' (random spectral tilt). Partials above NYQ_SAFE (at the track's highest frequency) are left out."""
    kmax = max(1, min(max_k, int(NYQ_SAFE / max(f_max, 1.0))))
    if shape == "sine":
        return np.sin(phase)
    x = np.zeros_like(phase)
    tilt = rng.uniform(0.6, 1.6) if rng is not None else 1.0
    for k in range(1, kmax + 1):
        if shape in ("square", "tri") and k % 2 == 0:
            continue
        a = {"saw": 1.0 / k, "square": 1.0 / k, "tri": 1.0 / k ** 2}.get(shape, 1.0 / k ** tilt)
        x += a * np.sin(k * phase)
    return x


def phase_of(f):
    return 2 * np.pi * np.cumsum(f) / SR


def ramp_gate(t, period, on, edge=0.004):
    """1 during the first `on` seconds of each period, with short linear edges (no clicks)."""
    c = t % period
    return np.clip(np.minimum(c, on - c) / edge, 0.0, 1.0) * (c < on)


def moving_source(rng, t, speed=None):
    """Doppler factor and 1/r gain for a source passing the listener (straight line, closest at t0)."""
    v = speed if speed is not None else rng.uniform(8, 30)  # m/s
    d = rng.uniform(3, 30)
    t0 = rng.uniform(0.2, 0.8) * t[-1]
    x = v * (t - t0)
    r = np.sqrt(x ** 2 + d ** 2)
    radial = v * x / r  # >0 receding
    factor = 343.0 / (343.0 + radial)
    gain = d / r
    return factor, gain


def envelope_decay(n, tau_s):
    return np.exp(-np.arange(n) / (tau_s * SR))


def place(out, seg, start):
    """Add seg into out at sample start (clipped at the end)."""
    if start >= len(out):
        return
    m = min(len(seg), len(out) - start)
    out[start:start + m] += seg[:m]


def sox_reverb(x, rng, reverberance=None, room=None, wet_only=False):
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "dry.wav"), os.path.join(tmp, "wet.wav")
        peak = np.max(np.abs(x)) + 1e-12
        soundfile.write(a, (x / peak * 0.5).astype(np.float32), SR, subtype="FLOAT")
        rev = int(reverberance if reverberance is not None else rng.integers(20, 90))
        rs = int(room if room is not None else rng.integers(30, 100))
        cmd = ["sox", "-D", "-R", a, b, "reverb"] + (["-w"] if wet_only else []) + \
              [str(rev), "50", str(rs), "100", str(int(rng.integers(0, 40)))]
        run(cmd + ["trim", "0", f"{len(x) / SR:.5f}"])
        y = soundfile.read(b, dtype="float64")[0]
    y = y if y.ndim == 1 else y.mean(axis=1)
    y = np.concatenate([y, np.zeros(max(0, len(x) - len(y)))])[:len(x)]
    return y / 0.5 * peak


def read_any_16k(path):
    """Any wav -> mono float64 at 16 kHz (sox resamples)."""
    out = path + ".16k.wav"
    run(["sox", "-D", "-R", path, "-r", str(SR), "-c", "1", "-b", "16", out])
    x = soundfile.read(out, dtype="float64")[0]
    return x if x.ndim == 1 else x.mean(axis=1)


def trim_silence(x, thresh=1e-3):
    idx = np.nonzero(np.abs(x) > thresh * (np.max(np.abs(x)) + 1e-12))[0]
    if len(idx) == 0:
        return x
    a, b = max(0, idx[0] - int(0.02 * SR)), min(len(x), idx[-1] + int(0.05 * SR))
    return x[a:b]


def traffic_bed(rng, n):
    """Low rumble + distant engines: a quiet urban bed to put under sirens (not labelled)."""
    t = np.arange(n) / SR
    x = lowpass(colored_noise(n, rng, "brown"), rng.uniform(200, 600)) * 1.5
    x += 0.3 * bandpass(colored_noise(n, rng, "pink"), 300, 2500)
    f0 = rng.uniform(25, 50) * (1 + 0.1 * np.sin(2 * np.pi * t / rng.uniform(3, 9)))
    x += 0.2 * harmonic_wave(phase_of(f0), 50, "reed", rng, max_k=8)
    return x / rms(x)


# ---------------------------------------------------------------- speech (espeak-ng)

def _voice(rng):
    lang = str(rng.choice(ESPEAK_LANGS))
    var = str(rng.choice(ESPEAK_VARIANTS))
    return lang + ("+" + var if var else "")


def _word_salad(rng, words):
    out = []
    for i in range(words):
        w = "".join(rng.choice(SYLLABLES, size=int(rng.integers(1, 4))))
        out.append(w + ("." if rng.random() < 0.12 else ("," if rng.random() < 0.08 else "")))
    return " ".join(out)


def _sentences(rng, words):
    out = []
    while sum(len(s.split()) for s in out) < words:
        s = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        if rng.random() < 0.6:
            s += " " + str(rng.choice(TAILS))
        if rng.random() < 0.2:
            s = f"I think {s}" if rng.random() < 0.5 else f"Did you know that {s}"
        s = s[0].upper() + s[1:] + ("?" if s.startswith("Did") else ".")
        if rng.random() < 0.15:
            s += f" It was {int(rng.integers(2, 99))} percent."
        out.append(s)
    return " ".join(out)


def _announcement(rng, words):
    out = []
    while sum(len(s.split()) for s in out) < words:
        s = str(rng.choice(ANNOUNCE)).format(p=rng.choice(PLACES), q=rng.choice(PLACES), n=int(rng.integers(1, 20)),
                                             m=int(rng.integers(2, 60)), s=rng.choice(NAMES))
        out.append(s)
    return " ".join(out)


def espeak(rng, text, voice, rate, pitch, tmp):
    wav = os.path.join(tmp, "s.wav")
    cmd = ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-a", "150",
           "-g", str(int(rng.integers(0, 8))), "-w", wav, text]
    run(cmd)
    return trim_silence(read_any_16k(wav))


def _speech(kind):
    def make(rng, seconds, tmp):
        voice = _voice(rng)
        if kind == "announce":
            rate, pitch = int(rng.integers(105, 150)), int(rng.integers(20, 60))
            text = _announcement(rng, int(seconds * 2.5) + 3)
        else:
            rate, pitch = int(rng.integers(120, 221)), int(rng.integers(5, 95))
            text = (_word_salad if kind == "words" else _sentences)(rng, int(seconds * rate / 60.0) + 2)
        x = espeak(rng, text, voice, rate, pitch, tmp)
        desc = f"espeak-ng -v '{voice}' -s {rate} -p {pitch}"
        if kind == "announce":  # PA loudspeaker band + big hall
            x = bandpass(x, rng.uniform(200, 400), rng.uniform(3000, 5000))
            x = sox_reverb(x, rng, reverberance=int(rng.integers(60, 100)), room=int(rng.integers(70, 100)))
            desc += " PA-band hall-reverb"
        return x, desc, "espeak:" + voice
    return make


# ---------------------------------------------------------------- music (fluidsynth MIDI)

GM_FAMILY_NAMES = ["piano", "chromatic", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed", "pipe",
                   "synth-lead", "synth-pad", "synth-fx", "ethnic", "percussive"]  # programs 8*k .. 8*k+7


def _bass_events(rng, beats, channel=2):
    prog = int(rng.integers(32, 40))
    ev = [(0.0, bytes([0xC0 | channel, prog]))]
    root = int(rng.integers(28, 43))
    steps = [0, 0, 7, 5, 3, 10, 12, 0]
    t = 0.0
    while t < beats:
        dur = float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        note = int(root + rng.choice(steps))
        ev.append((t, bytes([0x90 | channel, note, int(rng.integers(70, 115))])))
        ev.append((t + dur * 0.9, bytes([0x80 | channel, note, 0])))
        t += dur
    return ev, prog


def _chord_events(rng, program, beats, channel=1):
    ev = [(0.0, bytes([0xC0 | channel, program]))]
    root = int(rng.integers(48, 62))
    prog_deg = [[0, 4, 7], [5, 9, 12], [7, 11, 14], [-3, 0, 4], [2, 5, 9], [0, 3, 7], [-2, 2, 5]]
    t = 0.0
    dur = float(rng.choice([1.0, 2.0, 4.0]))
    arpeggio = rng.random() < 0.35
    while t < beats:
        chord = prog_deg[int(rng.integers(0, len(prog_deg)))]
        vel = int(rng.integers(55, 110))
        for j, d in enumerate(chord):
            on = t + (j * dur / len(chord) if arpeggio else 0.0)
            ev.append((on, bytes([0x90 | channel, root + d, vel])))
            ev.append((t + dur * 0.95, bytes([0x80 | channel, root + d, 0])))
        t += dur
    return ev


def render_midi(events, seconds, sf, tmp):
    mid, wav = os.path.join(tmp, "m.mid"), os.path.join(tmp, "m.wav")
    # end of clip: every note off, then all sound off on every channel (otherwise a held note keeps fluidsynth
    # rendering for minutes), then an event later so the release tail is rendered
    end = [(seconds + 0.3, bytes([0xB0 | ch, 123, 0])) for ch in range(16)]
    end += [(seconds + 0.8, bytes([0xB0 | ch, 120, 0])) for ch in range(16)]
    end += [(seconds + 1.0, bytes([0xB0, 7, 0]))]
    write_midi(mid, list(events) + end, tempo_bpm=60.0, ticks=1000)  # 1 beat = 1 s
    guard(sf)
    run(["fluidsynth", "-ni", "-q", "-o", "synth.dynamic-sample-loading=1", "-g", "0.6", "-r", "32000",
         "-F", wav, sf, mid])
    x = trim_silence(read_any_16k(wav), 1e-4)
    return x[:int(seconds * SR)]


def _music(kind):
    def make(rng, seconds, tmp):
        sfs = available_soundfonts()
        w = np.array([w for _, w in sfs], dtype=float)
        sf = sfs[int(rng.choice(len(sfs), p=w / w.sum()))][0]
        tempo = float(rng.uniform(60, 170))
        beats = seconds * tempo / 60.0 + 1
        fam = int(rng.integers(0, 15))
        program = fam * 8 + int(rng.integers(0, 8))
        parts = []
        if kind == "melody":
            ev = melody_events(rng, program, beats)
            parts.append(f"{GM_FAMILY_NAMES[fam]}:{program}")
        elif kind == "chords":
            ev = _chord_events(rng, program, beats, channel=0)
            parts.append(f"chords {GM_FAMILY_NAMES[fam]}:{program}")
        elif kind == "drums":
            ev = drum_events(rng, beats)
            kit = int(rng.choice([0, 0, 8, 16, 24, 25, 32, 40, 48]))
            ev.insert(0, (0.0, bytes([0xC9, kit])))
            parts.append(f"drums kit {kit}")
        else:  # band: melody + bass + drums (+ chords)
            ev = melody_events(rng, program, beats, channel=0)
            bass, bprog = _bass_events(rng, beats)
            ev += bass + drum_events(rng, beats)
            parts.append(f"band lead {GM_FAMILY_NAMES[fam]}:{program} bass:{bprog} drums")
            if rng.random() < 0.5:
                cp = int(rng.choice([0, 4, 16, 19, 24, 48, 52, 88, 89]))
                ev += _chord_events(rng, cp, beats, channel=1)
                parts.append(f"chords:{cp}")
        x = render_midi(in_seconds(ev, tempo, seconds), seconds, sf, tmp)
        return x, f"{' '.join(parts)} tempo={tempo:.0f} sf={os.path.basename(sf)}", None
    return make


# ---------------------------------------------------------------- sirens

def _siren_track(rng, kind, t):
    if kind == "wail":
        lo, hi, period = rng.uniform(500, 750), rng.uniform(1200, 1600), rng.uniform(3.0, 6.0)
        ph = rng.uniform(0, 1)
        u = (t / period + ph) % 1.0
        rise = rng.uniform(0.35, 0.6)  # rises then falls (motor spin-up / down)
        shape = np.where(u < rise, np.sin(0.5 * np.pi * u / rise), np.cos(0.5 * np.pi * (u - rise) / (1 - rise)))
        return lo + (hi - lo) * shape, f"wail {lo:.0f}-{hi:.0f}Hz period={period:.1f}s"
    if kind == "yelp":
        lo, hi, period = rng.uniform(500, 800), rng.uniform(1200, 1700), rng.uniform(0.2, 0.45)
        u = (t / period) % 1.0
        shape = np.sin(0.5 * np.pi * np.minimum(u / 0.8, 1.0)) * np.where(u < 0.8, 1.0, 1 - (u - 0.8) / 0.2)
        return lo + (hi - lo) * shape, f"yelp {lo:.0f}-{hi:.0f}Hz period={period:.2f}s"
    if kind == "hilo":
        if rng.random() < 0.6:
            f1 = rng.uniform(400, 480)
            f2 = f1 * rng.uniform(1.29, 1.37)  # ~ a fourth: 440/585 European two-tone
        else:
            f1 = rng.uniform(600, 950)
            f2 = f1 * rng.uniform(1.15, 1.5)
        period = rng.uniform(0.8, 2.2)
        hi_first = (t / period) % 1.0 < 0.5
        f = np.where(hi_first, f2, f1)
        f = signal.lfilter([0.02], [1, -0.98], f, zi=[f[0] * 0.98])[0]  # short glide between tones
        return f, f"hilo {f1:.0f}/{f2:.0f}Hz period={period:.2f}s"
    # phaser / hyper-yelp: very fast sweep
    lo, hi, period = rng.uniform(600, 900), rng.uniform(1300, 1800), rng.uniform(0.07, 0.13)
    u = (t / period) % 1.0
    return lo + (hi - lo) * u, f"phaser {lo:.0f}-{hi:.0f}Hz period={period * 1000:.0f}ms"


def _siren(kind):
    def make(rng, seconds, tmp):
        n = int(seconds * SR)
        t = np.arange(n) / SR
        f, desc = _siren_track(rng, kind, t)
        gain = np.ones(n)
        if rng.random() < 0.5:
            factor, gain = moving_source(rng, t)
            f = f * factor
            desc += " doppler"
        elif rng.random() < 0.3:
            a, b = rng.uniform(0.05, 1.0, size=2)
            gain = np.linspace(a, b, n)  # approaching / leaving
            desc += " distance-ramp"
        shape = str(rng.choice(["square", "saw", "reed", "tri"]))
        x = harmonic_wave(phase_of(f), float(np.max(f)), shape, rng, max_k=12) * gain
        if rng.random() < 0.5:  # horn loudspeaker resonance
            x = bandpass(x, 300, rng.uniform(3000, 6000))
        if rng.random() < 0.4:
            x = sox_reverb(x, rng)
            desc += " reverb"
        if rng.random() < 0.35:
            x = x / rms(x) + traffic_bed(rng, n) * 10 ** (-rng.uniform(12, 25) / 20)
            desc += " traffic-bed"
        return x, f"{desc} {shape}", None
    return make


# ---------------------------------------------------------------- alarms

def _beeper(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = rng.uniform(2000, 4000)
    period = rng.uniform(0.12, 1.5)
    duty = rng.uniform(0.1, 0.9)
    shape = str(rng.choice(["sine", "square", "tri"]))
    x = harmonic_wave(2 * np.pi * f * t, f, shape) * ramp_gate(t, period, duty * period)
    return x, f"{f:.0f}Hz period={period:.2f}s duty={duty:.2f} {shape}", None


def _smoke(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = rng.uniform(2900, 3400)
    on, gap, pause = rng.uniform(0.45, 0.55), rng.uniform(0.45, 0.55), rng.uniform(1.4, 1.6)
    cycle = 3 * on + 2 * gap + pause
    c = t % cycle
    g = np.zeros(n)
    for k in range(3):
        s = k * (on + gap)
        g += np.clip(np.minimum(c - s, s + on - c) / 0.004, 0, 1) * ((c >= s) & (c < s + on))
    x = harmonic_wave(2 * np.pi * f * t + 0.002 * np.sin(2 * np.pi * 7 * t), f, "square") * g
    return x, f"T3 {f:.0f}Hz beep={on:.2f}s pause={pause:.2f}s", None


def _clock_beep(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = rng.uniform(2000, 4200)
    nbeep = int(rng.integers(2, 6))
    beep, gap = rng.uniform(0.04, 0.09), rng.uniform(0.04, 0.09)
    pause = rng.uniform(0.3, 0.8)
    cycle = nbeep * (beep + gap) + pause
    c = t % cycle
    inburst = c < nbeep * (beep + gap)
    g = ramp_gate(c, beep + gap, beep, 0.002) * inburst
    x = harmonic_wave(2 * np.pi * f * t, f, str(rng.choice(["square", "sine"]))) * g
    return x, f"{f:.0f}Hz {nbeep}x{beep * 1000:.0f}ms pause={pause:.2f}s", None


BELL_RATIOS = [0.5, 1.0, 1.183, 1.506, 2.0, 2.514, 2.662, 3.011, 4.166, 5.433]


def _bell_ir(rng, f0, n, tau=(0.2, 1.2)):
    t = np.arange(n) / SR
    ir = np.zeros(n)
    for r in BELL_RATIOS:
        fk = f0 * r * rng.uniform(0.99, 1.01)
        if fk > NYQ_SAFE:
            continue
        a = rng.uniform(0.3, 1.0) / (1 + 0.2 * r)
        ir += a * np.exp(-t / (rng.uniform(*tau) / r ** 0.5)) * np.sin(2 * np.pi * fk * t + rng.uniform(0, 6.3))
    return ir


def _bell(rng, seconds, tmp):
    """Mechanical alarm bell: a hammer hits a modal (inharmonic, decaying) bell 15-30 times a second."""
    n = int(seconds * SR)
    f0 = rng.uniform(900, 2600)
    rate = rng.uniform(14, 30)
    ring_on, ring_off = rng.uniform(0.8, 4.0), rng.uniform(0.0, 1.5)
    hits = np.zeros(n)
    tt = 0.0
    cyc = ring_on + ring_off
    while tt < seconds:
        if (tt % cyc) < ring_on:
            i = int(tt * SR)
            if i < n:
                hits[i] = rng.uniform(0.6, 1.0)
        tt += (1.0 / rate) * rng.uniform(0.95, 1.05)
    ir = _bell_ir(rng, f0, int(1.0 * SR), tau=(0.04, 0.3))  # the hammer damps the bell between hits
    x = signal.fftconvolve(hits, ir)[:n]
    x += 0.05 * highpass(hits, 2000) * rng.uniform(0, 3)  # hammer clank
    return x, f"bell f0={f0:.0f}Hz hammer={rate:.0f}/s ring={ring_on:.1f}s off={ring_off:.1f}s", None


def _phone_us(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    on, off = rng.uniform(1.8, 2.1), rng.uniform(3.5, 4.2)
    x = (np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)) * ramp_gate(t, on + off, on, 0.01)
    return x, f"440+480Hz {on:.1f}s on {off:.1f}s off", None


def _phone_uk(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    g = ramp_gate(t, 3.0, 0.4, 0.01) + ramp_gate((t - 0.6) % 3.0, 3.0, 0.4, 0.01) * (t >= 0.6)
    f1, f2 = (400, 450) if rng.random() < 0.7 else (rng.uniform(380, 420), rng.uniform(440, 480))
    x = (np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t)) * g
    return x, f"UK double ring {f1:.0f}+{f2:.0f}Hz", None


def _phone_trill(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f1 = rng.uniform(1000, 1600)
    f2 = f1 * rng.uniform(1.15, 1.4)
    trill = rng.uniform(12, 25)
    f = np.where((t * trill) % 1.0 < 0.5, f1, f2)
    on, off = rng.uniform(0.6, 1.5), rng.uniform(0.3, 2.5)
    x = harmonic_wave(phase_of(f), f2, str(rng.choice(["sine", "square", "tri"]))) * ramp_gate(t, on + off, on)
    return x, f"trill {f1:.0f}/{f2:.0f}Hz at {trill:.0f}Hz {on:.1f}s on {off:.1f}s off", None


def _chime(rng, seconds, tmp):
    """Doorbell: struck bars / tubes, ding-dong or a 4-note phrase, long decays; repeated after a pause."""
    n = int(seconds * SR)
    x = np.zeros(n)
    base = rng.uniform(500, 900)
    phrase = [[1.26, 1.0], [1.5, 1.26, 1.12, 0.75], [1.0, 1.26, 1.5, 2.0], [1.19, 1.0]][int(rng.integers(0, 4))]
    step = rng.uniform(0.35, 0.8)
    gap = rng.uniform(1.0, 3.0)
    bar = rng.random() < 0.5
    ratios = [1.0, 2.756, 5.404] if bar else [1.0, 2.0, 3.0, 4.2, 5.4]
    t = np.arange(int(2.5 * SR)) / SR
    start = 0.0
    while start < seconds:
        for j, r in enumerate(phrase):
            f0 = base * r
            note = sum(rng.uniform(0.3, 1.0) / (k + 1) * np.exp(-t / (rng.uniform(0.6, 1.6) / rk))
                       * np.sin(2 * np.pi * f0 * rk * t) for k, rk in enumerate(ratios) if f0 * rk < NYQ_SAFE)
            place(x, note, int((start + j * step) * SR))
        start += len(phrase) * step + gap
    return x, f"chime {'bar' if bar else 'tube'} base={base:.0f}Hz notes={len(phrase)} step={step:.2f}s", None


def _reversing(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = rng.uniform(900, 1300)
    period = rng.uniform(0.8, 1.2)
    x = harmonic_wave(2 * np.pi * f * t, f, str(rng.choice(["square", "tri"]))) * ramp_gate(t, period, period / 2)
    if rng.random() < 0.5:
        x = sox_reverb(x, rng)
    return x, f"reversing {f:.0f}Hz period={period:.2f}s", None


# ---------------------------------------------------------------- noise

def _hiss(rng, seconds, tmp):
    n = int(seconds * SR)
    kind = str(rng.choice(["white", "pink", "brown"]))
    x = colored_noise(n, rng, kind)
    if rng.random() < 0.5:
        x = lowpass(x, rng.uniform(2000, 7500))
    x *= 1 + 0.3 * rng.random() * np.sin(2 * np.pi * np.arange(n) / SR / rng.uniform(2, 10))
    return x, f"{kind} hiss", None


def _hum(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    mains = float(rng.choice([50.0, 60.0]))
    f = mains * (1 + 0.001 * np.sin(2 * np.pi * t / 3))
    ph = phase_of(f)
    nh = int(rng.integers(3, 25))
    x = sum(rng.uniform(0.1, 1.0) / (k ** rng.uniform(0.3, 1.2)) * (1.0 if k % 2 else rng.uniform(0, 0.6))
            * np.sin(k * ph + rng.uniform(0, 6.3)) for k in range(1, nh + 1))
    x = x / rms(x) + 0.05 * colored_noise(n, rng, "pink")
    return x, f"mains {mains:.0f}Hz {nh} harmonics", None


def _fan(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    rps = rng.uniform(10, 60)
    blades = int(rng.integers(3, 9))
    spin = rps * (1 + 0.01 * np.sin(2 * np.pi * t / rng.uniform(1, 5)))
    if rng.random() < 0.3:  # spinning up
        spin = spin * np.clip(0.3 + t / rng.uniform(1, 4), 0, 1)
    ph = phase_of(spin * blades)
    x = lowpass(colored_noise(n, rng, "pink"), rng.uniform(800, 4000))
    x = x / rms(x) * (1 + 0.3 * np.sin(ph))  # blade-pass modulated airflow
    x += rng.uniform(0.2, 1.0) * sum(np.sin(k * ph) / k for k in range(1, 6))
    if rng.random() < 0.5:
        x += rng.uniform(0.05, 0.3) * np.sin(phase_of(spin * rng.uniform(20, 60)))  # motor whine
    return x, f"fan {rps * 60:.0f}rpm {blades} blades", None


def _wind(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    lo = bandpass(colored_noise(n, rng, "pink"), 40, rng.uniform(300, 900))
    hi = bandpass(colored_noise(n, rng, "white"), rng.uniform(400, 900), rng.uniform(1500, 3500))
    gust = lowpass(np.abs(rng.standard_normal(n)), 0.5, order=1)
    gust = (gust - gust.min()) / (np.ptp(gust) + 1e-9)
    g2 = 0.5 + 0.5 * np.sin(2 * np.pi * t / rng.uniform(2, 7) + rng.uniform(0, 6.3))
    x = lo / rms(lo) * (0.4 + g2) + hi / rms(hi) * (0.1 + 0.8 * gust * g2)
    if rng.random() < 0.3:  # whistle
        fw = rng.uniform(400, 1500) * (1 + 0.2 * g2)
        x += 0.2 * g2 * np.sin(phase_of(fw))
    return x, "wind gusts", None


def _crackle(rng, seconds, tmp):
    n = int(seconds * SR)
    rate = rng.uniform(5, 200)
    clicks = np.zeros(n)
    k = rng.poisson(rate * seconds)
    idx = rng.integers(0, n, size=k)
    clicks[idx] = rng.standard_normal(k) * rng.uniform(0.3, 1.0, size=k) ** 3
    ir = envelope_decay(int(0.004 * SR), 0.0008)
    x = signal.fftconvolve(clicks, ir)[:n] * 20 + 0.05 * colored_noise(n, rng, str(rng.choice(["pink", "white"])))
    x = highpass(x, rng.uniform(100, 1000))
    return x, f"crackle {rate:.0f} clicks/s", None


# ---------------------------------------------------------------- vehicles

def _rpm_curve(rng, t, kind):
    idle = rng.uniform(650, 950)
    if kind == "idle":
        return idle * (1 + 0.02 * np.sin(2 * np.pi * t * rng.uniform(0.3, 1.5)))
    if kind == "rev":
        peak = rng.uniform(2500, 6000)
        rpm = np.full_like(t, idle)
        tt = rng.uniform(0.0, 1.0)
        while tt < t[-1]:
            up, down = rng.uniform(0.3, 1.0), rng.uniform(0.8, 2.0)
            m = (t >= tt) & (t < tt + up)
            rpm[m] = idle + (peak - idle) * ((t[m] - tt) / up) ** 0.7
            m2 = (t >= tt + up) & (t < tt + up + down)
            rpm[m2] = idle + (peak - idle) * np.exp(-(t[m2] - tt - up) / (down / 3))
            tt += up + down + rng.uniform(0.2, 1.5)
        return lowpass(rpm - idle, 8, order=1) + idle
    # accelerate through gears
    r0 = rng.uniform(1200, 2000)
    gear_t = rng.uniform(1.5, 3.0)
    g = (t / gear_t).astype(int)
    rpm = r0 + (rng.uniform(3000, 5000) - r0) * (t % gear_t) / gear_t * (0.8 ** g)
    return lowpass(rpm - r0, 6, order=1) + r0


def engine_sound(rng, t, kind, factor=None):
    n = len(t)
    rpm = _rpm_curve(rng, t, kind)
    cyl = int(rng.choice([3, 4, 4, 6, 8]))
    fire = rpm / 60.0 * cyl / 2.0
    if factor is not None:
        fire = fire * factor
    ph = phase_of(fire / 2.0)  # half-order: uneven firing gives sub-harmonics
    amps = rng.uniform(0.1, 1.0, size=24) / (1 + np.arange(24)) ** rng.uniform(0.4, 1.0)
    amps[1] *= 3  # the firing frequency itself
    x = np.zeros(n)
    fmax = float(np.max(fire)) / 2
    for k in range(1, 25):
        if k * fmax > NYQ_SAFE:
            break
        x += amps[k - 1] * np.sin(k * ph + rng.uniform(0, 6.3))
    noise = lowpass(colored_noise(n, rng, "brown"), rng.uniform(300, 1200), order=4)
    noise *= 1 + 0.6 * np.sin(2 * ph)  # combustion-modulated noise
    x = x / rms(x) + rng.uniform(0.1, 0.4) * noise / rms(noise)
    return lowpass(x, rng.uniform(1200, 4000), order=4), rpm, cyl


def _engine(rng, seconds, tmp):
    t = np.arange(int(seconds * SR)) / SR
    kind = str(rng.choice(["idle", "rev", "accel"]))
    x, rpm, cyl = engine_sound(rng, t, kind)
    return x, f"engine {kind} {cyl}cyl {rpm.min():.0f}-{rpm.max():.0f}rpm", None


def _passby(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    v = rng.uniform(10, 35)
    factor, gain = moving_source(rng, t, speed=v)
    x, rpm, cyl = engine_sound(rng, t, "idle" if rng.random() < 0.3 else "accel", factor=factor)
    tyre = bandpass(colored_noise(n, rng, "pink"), rng.uniform(300, 600), rng.uniform(1500, 4000))
    tyre = lowpass(tyre * (0.5 + factor ** 8), 5000)
    x = (x + rng.uniform(0.5, 2.0) * tyre / rms(tyre)) * gain ** 1.2
    return x, f"pass-by {v * 3.6:.0f}km/h {cyl}cyl", None


def _horn(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f1 = rng.uniform(350, 450)
    f2 = f1 * rng.uniform(1.2, 1.3) if rng.random() < 0.8 else f1
    g = np.zeros(n)
    tt = rng.uniform(0.0, 0.3)
    pattern = []
    while tt < seconds:
        d = float(rng.choice([rng.uniform(0.15, 0.35), rng.uniform(0.5, 2.5)]))
        i, j = int(tt * SR), int(min(seconds, tt + d) * SR)
        g[i:j] = 1.0
        pattern.append(d)
        tt += d + rng.uniform(0.1, 1.5)
    g = lowpass(g, 60, order=1)
    x = (harmonic_wave(2 * np.pi * f1 * t, f1, "square", max_k=15) +
         harmonic_wave(2 * np.pi * f2 * t, f2, "square", max_k=15)) * g
    x = bandpass(x, 250, rng.uniform(2500, 5000))
    if rng.random() < 0.4:
        x = sox_reverb(x, rng)
    return x, f"horn {f1:.0f}/{f2:.0f}Hz {len(pattern)} honks", None


def _train(rng, seconds, tmp):
    n = int(seconds * SR)
    t = np.arange(n) / SR
    rumble = lowpass(colored_noise(n, rng, "brown"), rng.uniform(150, 500))
    roar = bandpass(colored_noise(n, rng, "pink"), 200, rng.uniform(1500, 3500))
    x = rumble / rms(rumble) + 0.4 * roar / rms(roar)
    period = rng.uniform(0.35, 1.2)  # car length / speed
    pair = rng.uniform(0.08, 0.2)  # two bogies over a rail joint: clack-clack
    hits = np.zeros(n)
    tt = rng.uniform(0, period)
    while tt < seconds:
        for off in (0.0, pair):
            i = int((tt + off) * SR)
            if i < n:
                hits[i] = rng.uniform(0.6, 1.0)
        tt += period * rng.uniform(0.97, 1.03)
    ir = highpass(rng.standard_normal(int(0.06 * SR)), 200) * envelope_decay(int(0.06 * SR), 0.012)
    ir += np.sin(2 * np.pi * rng.uniform(80, 200) * np.arange(len(ir)) / SR) * envelope_decay(len(ir), 0.02) * 2
    clatter = lowpass(signal.fftconvolve(hits, ir)[:n], rng.uniform(1500, 4000), order=4)
    x += rng.uniform(0.5, 1.5) * clatter / (rms(clatter) + 1e-9)
    if rng.random() < 0.4:
        _, gain = moving_source(rng, t, speed=rng.uniform(15, 40))
        x = x * np.maximum(gain, 0.15)
    return x, f"train clatter period={period:.2f}s pair={pair * 1000:.0f}ms", None


# ---------------------------------------------------------------- water

def _bubble(rng, f0=None, tau=None):
    f0 = f0 if f0 is not None else rng.uniform(300, 2500)
    tau = tau if tau is not None else rng.uniform(0.004, 0.03)
    m = int(tau * 6 * SR)
    t = np.arange(m) / SR
    rise = rng.uniform(0.5, 3.0)  # Minnaert bubble: pitch rises as it nears the surface
    f = f0 * (1 + rise * t / (tau * 6))
    return np.sin(phase_of(f)) * np.exp(-t / tau)


def _stream(rng, seconds, tmp):
    n = int(seconds * SR)
    base = bandpass(colored_noise(n, rng, "pink"), rng.uniform(150, 400), rng.uniform(2000, 6000))
    x = base / rms(base)
    rate = rng.uniform(40, 300)
    bub = np.zeros(n)
    for _ in range(rng.poisson(rate * seconds)):
        place(bub, _bubble(rng, rng.uniform(400, 3000), rng.uniform(0.002, 0.012)) * rng.uniform(0.2, 1.0),
              int(rng.integers(0, n)))
    x = x + rng.uniform(0.3, 1.2) * bub / (rms(bub) + 1e-9)
    x *= 1 + 0.2 * np.sin(2 * np.pi * np.arange(n) / SR / rng.uniform(0.5, 3))
    return x, f"stream bubbles={rate:.0f}/s", None


def _rain(rng, seconds, tmp):
    n = int(seconds * SR)
    rate = rng.uniform(200, 3000)
    k = rng.poisson(rate * seconds)
    drops = np.zeros(n)
    np.add.at(drops, rng.integers(0, n, size=k), rng.uniform(0.1, 1.0, size=k) ** 2 * rng.choice([-1, 1], size=k))
    ir = highpass(rng.standard_normal(int(0.01 * SR)), 1500) * envelope_decay(int(0.01 * SR), 0.0015)
    x = signal.fftconvolve(drops, ir)[:n]
    x = x / (rms(x) + 1e-9)
    if rng.random() < 0.5:  # some drops ring (drops into puddles)
        ring = np.zeros(n)
        for _ in range(rng.poisson(seconds * rng.uniform(5, 40))):
            place(ring, _bubble(rng, rng.uniform(1000, 4000), rng.uniform(0.002, 0.008)), int(rng.integers(0, n)))
        x += ring / (rms(ring) + 1e-9) * rng.uniform(0.2, 0.7)
    hiss = bandpass(colored_noise(n, rng, "pink"), 500, 7000)
    x += rng.uniform(0.3, 1.5) * hiss / rms(hiss)
    return x, f"rain {rate:.0f} drops/s", None


def _bubbles(rng, seconds, tmp):
    n = int(seconds * SR)
    rate = rng.uniform(2, 30)
    x = np.zeros(n)
    fc = rng.uniform(200, 1500)
    for _ in range(max(1, rng.poisson(rate * seconds))):
        place(x, _bubble(rng, fc * rng.uniform(0.6, 1.6), rng.uniform(0.01, 0.06)) * rng.uniform(0.3, 1.0),
              int(rng.integers(0, n)))
    x += 0.01 * colored_noise(n, rng, "pink")
    if rng.random() < 0.4:
        x = sox_reverb(x, rng, reverberance=int(rng.integers(20, 60)), room=int(rng.integers(10, 50)))
    return x, f"bubbles {rate:.0f}/s around {fc:.0f}Hz", None


# ---------------------------------------------------------------- registry and plan

# recipe -> (labels, function, seconds range)
RECIPES = {
    "speech-words": (["speech"], _speech("words"), (1.0, 10.0)),
    "speech-sentence": (["speech"], _speech("sentence"), (1.5, 10.0)),
    "speech-announce": (["speech"], _speech("announce"), (3.0, 10.0)),
    "music-melody": (["music"], _music("melody"), (2.0, 10.0)),
    "music-chords": (["music"], _music("chords"), (2.0, 10.0)),
    "music-drums": (["music"], _music("drums"), (1.5, 10.0)),
    "music-band": (["music"], _music("band"), (3.0, 10.0)),
    "siren-wail": (["siren"], _siren("wail"), (2.0, 10.0)),
    "siren-yelp": (["siren"], _siren("yelp"), (1.0, 10.0)),
    "siren-hilo": (["siren"], _siren("hilo"), (1.5, 10.0)),
    "siren-phaser": (["siren"], _siren("phaser"), (0.5, 8.0)),
    "alarm-beeper": (["alarm"], _beeper, (0.5, 10.0)),
    "alarm-smoke": (["alarm"], _smoke, (2.5, 10.0)),
    "alarm-clock-beep": (["alarm"], _clock_beep, (1.0, 10.0)),
    "alarm-bell": (["alarm"], _bell, (1.0, 10.0)),
    "alarm-phone-us": (["alarm"], _phone_us, (2.0, 10.0)),
    "alarm-phone-uk": (["alarm"], _phone_uk, (1.2, 10.0)),
    "alarm-phone-trill": (["alarm"], _phone_trill, (1.0, 10.0)),
    "alarm-chime": (["alarm"], _chime, (1.5, 8.0)),
    "alarm-reversing": (["alarm"], _reversing, (1.5, 10.0)),
    "noise-hiss": (["noise"], _hiss, (0.5, 10.0)),
    "noise-hum": (["noise"], _hum, (0.5, 10.0)),
    "noise-fan": (["noise"], _fan, (1.0, 10.0)),
    "noise-wind": (["noise"], _wind, (2.0, 10.0)),
    "noise-crackle": (["noise"], _crackle, (0.5, 10.0)),
    "vehicle-engine": (["vehicle"], _engine, (1.5, 10.0)),
    "vehicle-passby": (["vehicle"], _passby, (3.0, 10.0)),
    "vehicle-horn": (["vehicle"], _horn, (0.8, 6.0)),
    "vehicle-train": (["vehicle"], _train, (2.0, 10.0)),
    "water-stream": (["water"], _stream, (1.0, 10.0)),
    "water-rain": (["water"], _rain, (1.0, 10.0)),
    "water-bubbles": (["water"], _bubbles, (0.8, 8.0)),
}
CATEGORIES = ["speech", "music", "siren", "alarm", "noise", "vehicle", "water"]
BY_CATEGORY = {c: [r for r in RECIPES if RECIPES[r][0][0] == c] for c in CATEGORIES}
# 20-slot pattern: siren 4, alarm 4, speech 4, music 4, noise 2, vehicle 1, water 1 (20/20/20/20/10/5/5 %)
PATTERN = ["siren"] * 4 + ["alarm"] * 4 + ["speech"] * 4 + ["music"] * 4 + ["noise"] * 2 + ["vehicle", "water"]
MIX_FRACTION = 0.10
# second sound of an overlay, given the first one's category
MIX_PARTNERS = {"speech": ["music", "siren", "alarm", "noise", "vehicle", "water"],
                "music": ["speech", "noise", "alarm", "vehicle"],
                "siren": ["vehicle", "speech", "noise", "alarm"],
                "alarm": ["speech", "music", "noise", "vehicle"],
                "noise": ["speech", "alarm", "siren", "music"],
                "vehicle": ["siren", "speech", "music", "alarm"],
                "water": ["speech", "music", "noise", "alarm"]}


def category_of(seed, index):
    block, slot = divmod(int(index), len(PATTERN))
    perm = np.random.default_rng([int(seed), block, 7]).permutation(len(PATTERN))
    return PATTERN[perm[slot]]


def plan(seed, index):
    """(primary recipe, secondary recipe or None, seconds); deterministic in (seed, index)."""
    rng = np.random.default_rng([int(seed), int(index), 0])
    cat = category_of(seed, index)
    recipe = str(rng.choice(BY_CATEGORY[cat]))
    lo, hi = RECIPES[recipe][2]
    seconds = float(np.exp(rng.uniform(np.log(lo), np.log(hi)))) if rng.random() < 0.5 else float(rng.uniform(lo, hi))
    second = None
    if rng.random() < MIX_FRACTION:
        second = str(rng.choice(BY_CATEGORY[str(rng.choice(MIX_PARTNERS[cat]))]))
    return recipe, second, seconds


def render_recipe(recipe, rng, seconds, tmp):
    """One recipe -> (float64 audio at 16 kHz, 0.5 s <= len <= seconds, desc, group or None)."""
    x, desc, group = RECIPES[recipe][1](rng, seconds, tmp)
    x = np.asarray(x, dtype=np.float64)[:int(seconds * SR)]
    if len(x) < int(MIN_SECONDS * SR):  # very short TTS / MIDI: pad with silence up to the minimum
        x = np.concatenate([x, np.zeros(int(MIN_SECONDS * SR) - len(x))])
    if not np.all(np.isfinite(x)) or rms(x) < 1e-8:
        raise RuntimeError(f"{recipe}: bad audio ({desc})")
    return x, desc, group


def make_clip(seed, index):
    """-> (int16 samples, manifest record without 'file'); a pure function of (seed, index)."""
    recipe, second, seconds = plan(seed, index)
    rng = np.random.default_rng([int(seed), int(index), 1])
    with tempfile.TemporaryDirectory() as tmp:
        x, desc, group = render_recipe(recipe, rng, seconds, tmp)
        labels = list(RECIPES[recipe][0])
        source = recipe
        if second is not None:
            rng2 = np.random.default_rng([int(seed), int(index), 2])
            y, desc2, group2 = render_recipe(second, rng2, len(x) / SR, tmp)
            broadband = RECIPES[second][0][0] in ("noise", "water", "vehicle")
            rel_db = rng2.uniform(-18, -3) if broadband else rng2.uniform(-12, 3)  # keep the first one audible
            off = int(rng2.integers(0, max(1, len(x) - len(y) + 1)))
            yy = np.zeros(len(x))
            yy[off:off + len(y)] = y[:len(x) - off]
            x = x / rms(x) + yy / rms(y) * 10 ** (rel_db / 20)
            labels = sorted(set(labels) | set(RECIPES[second][0]))
            source = f"mix-{recipe}+{second}"
            desc = f"{desc} | + {second} at {rel_db:+.1f}dB: {desc2}"
            group = group or group2
        post = np.random.default_rng([int(seed), int(index), 3])
        x = x * 10 ** (post.uniform(-6, 6) / 20)  # random gain (undone by the peak normalisation, kept for parity)
        if post.random() < 0.2 and "reverb" not in desc:
            x = sox_reverb(x, post)
            desc += " +room"
        peak_db = post.uniform(-30, -1)
        x = x / (np.max(np.abs(x)) + 1e-12) * 10 ** (peak_db / 20)
        desc += f" peak={peak_db:.1f}dBFS"
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    cid = f"synth-{seed}-{index:05d}"
    rec = {"id": cid, "source": "synth:" + source, "path": desc, "license": "generated", "labels": labels,
           "duration": round(len(pcm) / SR, 4), "group": group or cid}
    return pcm, rec


def _work(args):
    seed, index, out = args
    pcm, rec = make_clip(seed, index)
    rel = os.path.join("wav", rec["id"] + ".wav")
    soundfile.write(os.path.join(out, rel), pcm, SR, subtype="PCM_16")
    rec["file"] = rel
    return rec


def generate(count, out, seed=7, workers=2, start=0, log=True):
    os.makedirs(os.path.join(out, "wav"), exist_ok=True)
    jobs = [(seed, i, out) for i in range(start, start + count)]
    recs = []
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            for k, r in enumerate(pool.imap(_work, jobs, chunksize=4)):
                recs.append(r)
                if log and (k + 1) % 250 == 0:
                    print(f"  {k + 1}/{count}", flush=True)
    else:
        recs = [_work(j) for j in jobs]
    with open(os.path.join(out, "clips.jsonl"), "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    write_summary(recs, out, seed)
    return recs


def write_summary(recs, out, seed):
    labels = collections.Counter(label for r in recs for label in r["labels"])
    sources = collections.Counter(r["source"] if not r["source"].startswith("synth:mix-") else "synth:mix"
                                  for r in recs)
    recipes = collections.Counter(RECIPES and r["source"].split("+")[0].replace("synth:mix-", "synth:")
                                  for r in recs)
    total = sum(r["duration"] for r in recs)
    lines = [f"# Synthetic clips (synth.py, seed {seed})", "",
             f"{len(recs)} clips, {total / 3600:.2f} h, mean {total / max(1, len(recs)):.2f} s; "
             f"{sources.get('synth:mix', 0)} overlays of two recipes (union of labels).", "",
             "| label | clips | share |", "|---|---|---|"]
    lines += [f"| {k} | {v} | {100.0 * v / len(recs):.1f} % |" for k, v in labels.most_common()]
    lines += ["", "| primary recipe | clips |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(recipes.items())]
    lines += ["", "| source (mixes pooled) | clips |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(sources.items())]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def sheet(out, label, n=24):
    """Grid of log-mel spectrograms of up to n clips carrying `label`, spread over its recipes."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    import torchaudio
    recs = [json.loads(line) for line in open(os.path.join(out, "clips.jsonl"))]
    recs = [r for r in recs if label in r["labels"]]
    by = collections.defaultdict(list)
    for r in recs:
        by[r["source"] if "mix-" not in r["source"] else "mix"].append(r)
    chosen, keys = [], sorted(by)
    while len(chosen) < n and any(by.values()):
        for k in keys:
            if by[k] and len(chosen) < n:
                chosen.append(by[k].pop(0))
    cols = 4
    rows = max(1, (len(chosen) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 4.2, rows * 2.3), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, r in zip(axes.flat, chosen):
        x, sr = soundfile.read(os.path.join(out, r["file"]), dtype="float32")
        fb = torchaudio.compliance.kaldi.fbank(torch.from_numpy(x).unsqueeze(0) * 32768, htk_compat=True,
                                               use_energy=False, window_type="hanning", dither=0.0,
                                               num_mel_bins=128, sample_frequency=sr)
        ax.imshow(fb.T.numpy(), origin="lower", aspect="auto", cmap="magma",
                  extent=[0, r["duration"], 0, 128], vmin=float(fb.max()) - 14, vmax=float(fb.max()))
        ax.set_title(f"{r['source'][6:][:40]} {r['duration']:.1f}s", fontsize=7)
        ax.axis("on")
        ax.tick_params(labelsize=5)
    fig.suptitle(f"{label}: {len(recs)} clips (log-mel, 128 bins, x = seconds)")
    fig.tight_layout()
    os.makedirs(os.path.join(out, "sheets"), exist_ok=True)
    path = os.path.join(out, "sheets", f"{label}.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2, help="parallel processes (at most 2 on this machine)")
    ap.add_argument("--sheet", action="append", default=[], help="label: write <out>/sheets/LABEL.png")
    a = ap.parse_args()
    if a.count:
        import time
        t0 = time.time()
        recs = generate(a.count, a.out, a.seed, min(2, a.workers))
        print(f"wrote {len(recs)} clips to {a.out} in {time.time() - t0:.0f} s")
        print(open(os.path.join(a.out, "summary.md")).read())
    for label in a.sheet:
        print("sheet:", sheet(a.out, label))


if __name__ == "__main__":
    main()
