#!/usr/bin/python3
"""Rebuild a labelled set of REAL recordings from Debian packages.

    /usr/bin/python3 model/data_sources.py [--packages P ...] [--out model/data/real] [--sheet LABEL ...]

Per package (SOURCES below, plain data): `apt-get download` into model/data/debs (reused), unpack the
audio files, archives and copyright file with `dpkg-deb --fsys-tarfile | tar -x` into model/data/pkgs/<pkg>
(reused), read the audio inside archives (zip: 0ad, trigger-rally; Qt .rcc: gcompris-qt; c4group: openclonk),
label each file from its path with the package's ordered rules (first match wins; a rule with labels None drops
the file; unmatched files are dropped), take each clip's license from the package's machine-readable copyright
file (the last `Files:` stanza that matches; the package's summary in SOURCES where the file is not DEP-5), cut
music and long ambience into 5-10 s segments (<= 6 per file), decode to 16 kHz mono 16-bit wav (clips converted
by an earlier build are reused), trim digital silence, drop < 0.1 s (or under the rule's min_dur) or RMS
< -60 dBFS, cap at 12 s, balance (per-label cap, one package <= ~50 % of a label that other packages also offer;
seeded) and write <out>/clips.jsonl, <out>/summary.md and <out>/wav/. `--sheet LABEL` draws
<out>/sheets/LABEL.png (`--sheet-sources PKG ...`: only those packages' clips).

Packages reserved for the independent evaluation (RESERVED) are refused everywhere.
"""
import argparse
import collections
import fnmatch
import glob
import gzip
import hashlib
import json
import math
import os
import random
import re
import subprocess
import sys
import struct
import time
import zipfile
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from elasticast import LABELS  # noqa: E402
SR = 16000
MIN_DUR = 0.1
MAX_DUR = 12.0
SILENCE_DBFS = -60.0
DIGITAL_SILENCE = 10 ** (-80 / 20)        # |x| below this at the ends counts as digital silence
SEG_MIN, SEG_MAX, SEG_PER_FILE = 5.0, 10.0, 6
LABEL_CAPS = {"speech": 1500}
DEFAULT_CAP = 800
MAX_SHARE = 0.5
SHARE_FLOOR = 40          # a package may always give this many clips (scarce labels keep every real clip)
AUDIO_EXT = (".ogg", ".wav", ".flac", ".mp3", ".g722", ".opus")
RCC_EXT = (".rcc",)                                # Qt resource bundles (gcompris-qt-data)
C4_EXT = (".ocg", ".ocd", ".ocf", ".ocs")          # OpenClonk c4group archives (openclonk-data)
HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------------
# Reserved for the independent evaluation: never download, never read.
RESERVED = [
    "flite", "festival", "festival*", "festvox-*", "timgm6mb-soundfont", "scratch",
    "openttd-opensfx", "minetest*", "sonic-pi-samples", "supersonic-scsynth-samples",
    "sound-theme-freedesktop", "pocketsphinx-testdata", "asterisk-core-sounds-en*",
]


def check_allowed(package):
    """Raise ValueError if `package` is reserved for the independent evaluation."""
    name = str(package).strip().lower()
    name = re.sub(r"[:_=].*$", "", name)          # pkg:arch, pkg_version.deb, pkg=version
    for pat in RESERVED:
        if fnmatch.fnmatchcase(name, pat):
            raise ValueError(f"package {package!r} is reserved for the independent evaluation "
                             f"(RESERVED rule {pat!r}) and must never be used for training data")
    return package


# ---------------------------------------------------------------------------------------------
# Sources. rules: ordered (regex on the path inside the package, labels or None = drop, options);
# license_path: (regex, replacement) from an installed path to the path the copyright file names.
# options: "seg" (cut into 5-10 s segments when longer than 12 s), "min_dur" (drop clips shorter than this many
# seconds after trimming: one-word game shouts are as much grunt as speech), "group" (regex whose first match
# / group(1) names the group; default: the path with variant digits stripped).
# Paths inside a zip archive read "<archive path>!<member>".
S = "seg"
_NO = None

SOURCES = {
    "tuxpaint-stamps-default": {
        "license": "GPL-2",
        "rules": [
            (r"_desc_?([a-zA-Z_]*)\.(ogg|wav)$", ["speech"], {"group": r"_desc_?([a-zA-Z_]*)\."}),
            (r"symbols/(math|alphabets)/.*?_([a-z]{2}(_[a-zA-Z]{2})?)\.ogg$", ["speech"],
             {"group": r"_([a-z]{2}(?:_[a-zA-Z]{2})?)\.ogg$"}),
            (r"symbols/(math|alphabets)/", ["speech"], {"group": r"(symbols/\w+)"}),
            (r"seasonal/halloween/(ghost|spider|bat_left)", _NO, {}),
            (r"/stamps/animals/", ["animal"], {}),
            (r"halloween/blackcat", ["animal"], {}),
            (r"hobbies/music/", ["music"], {}),
            (r"household/dishes/(glass|bottle)|household/tools/(hammer|mallet_metal)|newyears/fireworks",
             ["impact"], {}),
            (r"household/(Washing-machine|vacuum_cleaner)", ["noise"], {}),
            (r"household/toilet", ["water"], {}),
            (r"vehicles/emergency/firetruck", ["siren"], {}),
        ],
    },
    "ktuberling-data": {
        "license": "GPL-2+",
        "rules": [(r"ktuberling/sounds/[^/]+/", ["speech"], {"group": r"ktuberling/sounds/([^/]+)/"})],
    },
    "asterisk-core-sounds-fr-g722": {"license": "CC-BY-SA-3.0", "rules": "asterisk"},
    "asterisk-core-sounds-es-g722": {"license": "CC-BY-SA-3.0", "rules": "asterisk"},
    "asterisk-core-sounds-it-g722": {"license": "CC-BY-SA-3.0", "rules": "asterisk"},
    "asterisk-core-sounds-ru-g722": {"license": "CC-BY-3.0", "rules": "asterisk"},
    "hedgewars-data": {
        "license": "GPL-2; sounds GFDL-1.3",
        "rules": [
            (r"voices/(Robot|Singer)/", _NO, {}),                 # vocoded / sung packs
            (r"voices/[^/]+/(Laugh|Ooff\d|Ow\d|Jump\d)\.ogg$", ["human"], {"group": r"(voices/[^/]+)/"}),
            (r"voices/[^/]+/(Hmm|Ouch|Uh-oh|Nooo|Oops|Firepunch\d|Kamikaze|Yessir)\.ogg$", _NO, {}),
            (r"voices/[^/]+/\w+\.ogg$", ["speech"], {"group": r"(voices/[^/]+)/", "min_dur": 0.8}),
            (r"Data/Music/.*\.ogg$", ["music"], {S: True}),
            (r"Sounds/ride_of_the_valkyries", ["music"], {}),
            (r"Sounds/(explosion|graveimpact|grenadeimpact|hammer|baseballbat|shotgunfire|gun|mortar|"
             r"melonimpact|mineimpact|knife_impact|bump|whipcrack)\.ogg$", ["impact"], {}),
            (r"Sounds/(splash|Droplet\d)\.ogg$", ["water"], {}),
            # bee.ogg dropped: the sheet shows pure FM sweeps (synthetic)
            (r"Sounds/(plane|rcplane)\.ogg$", ["vehicle"], {}),
            (r"Sounds/(flamethrower|blowtorch|steam|pickhammer)\.ogg$", ["noise"], {}),
        ],
    },
    "wesnoth-1.16-data": {
        "license": "GPL-2+",
        "rules": [
            (r"-miss", _NO, {}),
            (r"sounds/(wolf-|horse-(die|hit)|tusker-(die|hit)|hiss)", ["animal"], {}),
            (r"sounds/ambient/birds\d", ["animal"], {}),
            (r"sounds/(human-|dwarf-(die|hit)|dwarf-laugh|elf-hit|groan)", ["human"], {}),
            (r"sounds/(mace|club|axe|sword-\d|hatchet|fist|flail|staff|explosion|cave-in|gunshot|thunderstick)"
             r"\.(ogg|wav)$", ["impact"], {}),
            (r"sounds/ambient/campfire", ["noise"], {S: True}),
            (r"sounds/ambient/wardrums|sounds/horn-signals/", ["music"], {S: True}),
            (r"sounds/bell\.", ["alarm"], {}),
        ],
    },
    "warmux-data": {
        "license": "GPL-2+",
        "rules": [
            (r"/music/.*\.ogg$", ["music"], {S: True}),
            (r"default/voices/(death|injured_\w+|jump|superjump|backjump|suicide|friendly_fire)\d*\.",
             ["human"], {"group": r"(default/voices)/"}),
            (r"weapons/(explosion\d|dynamite_exp|anvil_collision|baseball|slap|gun|m16|shotgun|riot_bomb_exp)\.",
             ["impact"], {}),
            (r"misc/box_hitting_ground", ["impact"], {}),
            (r"weapons/aircraft_flying", ["vehicle"], {}),
            (r"weapons/(flame|embers\d)\.", ["noise"], {}),
        ],
    },
    "lincity-ng-data": {
        "license": "GPL-2+",
        "rules": [
            (r"/FireStation3\.", ["siren"], {}),
            (r"/Health3\.", ["siren"], {}),
            (r"/Health5\.", ["alarm"], {}),
            (r"/(TraficHigh|TraficLow|RailTrain)\d", ["vehicle"], {}),
            # Substation* (sweeping harmonics, synthetic) and FireWasteland1 (chirps) dropped after the sheet
            (r"/(IndustryHigh|IndustryLight|CoalMine|OreMine|PowerCoal\w*|Mill|Recycle|WindMill\w*|Fire)\d*\.",
             ["noise"], {}),
            (r"/Water[135]\.", ["water"], {}),          # Water2 (bird chirps) and Water4 (steady hum) dropped
            (r"/SportsCroud\d\.", ["human"], {}),
            (r"/Raze\d\.", ["impact"], {}),
            (r"/Blacksmith\d\.", ["impact"], {}),
        ],
    },
    "flightgear-data-base": {
        "license": "GPL-2+",
        "rules": [
            (r"Sounds/(mk-viii|tcas)/", _NO, {}),          # synthetic-sounding callouts; speech is plentiful
            (r"Sounds/(engine(-idle|-start|-prop)?|jet|helicopter|prop|turbine_loop|turbine_start|"
             r"turbine_shutdown|turboprop1|turbojet_fan|p51d_rpm1|p51d_startup|R-1535Slow|exhaust_loop|"
             r"exhaust_start|rotor|rotor-2blade|wasp|engstart|starter_loop)\.wav$", ["vehicle"], {S: True}),
            (r"Sounds/(gear-hrn|overspeed|stall|stall2|beep)\.wav$", ["alarm"], {}),
            (r"flarm/flarm\d\.wav$", ["alarm"], {}),
            (r"Sounds/(rain|rain-windshield|water-fast|water-still)\.wav$", ["water"], {S: True}),
            (r"Sounds/(wind|wind1|wind-8khz|fan|radionoise|avionics-400Hz)\.wav$", ["noise"], {S: True}),
            (r"Sounds/(crash|door_close|door-closing)\.wav$", ["impact"], {}),
        ],
    },
    "trigger-rally-data": {
        "license": "GPL-2+",
        "rules": [
            (r"!(.*/)?codriver/([^/]+)/", ["speech"], {"group": r"codriver/([^/]+)/"}),
            (r"!(.*/)?sounds/engine\.wav$", ["vehicle"], {}),
            (r"!(.*/)?sounds/wind\.wav$", ["noise"], {}),
            (r"!(.*/)?sounds/bang\.wav$", ["impact"], {}),
        ],
    },
    "supertuxkart-data": {
        "license": "GPL-3+ (sounds CC-BY-SA / CC-BY / public domain, see copyright)",
        "rules": [
            (r"data/music/.*\.ogg$", ["music"], {S: True}),
            (r"/(engine_large|engine_small|airplane_jetEngine|steamLocomotive|car_accel|car_revup)\.ogg$",
             ["vehicle"], {}),
            (r"/(rain|river_loop|waterfall_loop_2|splash)\.ogg$", ["water"], {S: True}),
            (r"/(exotic-birds|exotic-birds_2|cow|sheep)\.ogg$", ["animal"], {}),
            (r"/(crash\d?|explosion|metal_clang|anvil)\.ogg$", ["impact"], {}),
            (r"/WilhelmScream\.ogg$", ["human"], {}),
            (r"/(static-radio|machine_sound)\.ogg$", ["noise"], {}),
        ],
    },
    "hydrogen-drumkits": {
        "license": "GPL-2+ (kits: see copyright)",
        # the copyright file names each kit's upstream archive: drumkits/<kit>.h2drumkit
        "license_path": (r"^.*drumkits/([^/]+?)( v\d+)?/.*$", r"drumkits/\1.h2drumkit"),
        "rules": [
            (r"drumkits/[^/]+/.*\.(wav|flac)$", ["music"], {"group": r"drumkits/([^/]+)/"}),
        ],
    },
    "0ad-data": {
        "license": "CC-BY-SA-3.0 (art and audio, see copyright)",
        "rules": "0ad",
    },
    "gcompris-qt-data": {      # audio inside Qt .rcc bundles: "<bundle>.rcc!gcompris/src/activities/..."
        "license": "GPL-3+ (per file: see copyright)",
        "rules": [
            (r"!.*/instruments/resource/\w+\.ogg$", ["music"], {}),
            (r"!.*/explore_world_music/resource/music/", ["music"], {S: True}),
            (r"!.*/melody/resource/xylofon", ["music"], {}),
            (r"!.*memory-sound/resource/guitar", ["music"], {}),
            (r"!.*/explore_farm_animals/resource/animals/", ["animal"], {}),
            (r"!.*memory-sound/resource/LRBark", ["animal"], {}),
            (r"!.*memory-sound/resource/LRRain_in_garden", ["water"], {}),
            (r"!.*memory-sound/resource/(LRStartAndStopCarEngine|LRTrain_slowing_down)", ["vehicle"], {}),
            (r"!.*/(guessnumber/resource/helicopter|railroad/resource/sounds/train|traffic/resource/car)\.wav$",
             ["vehicle"], {}),
            (r"!.*memory-sound/resource/LRFactory_noise", ["noise"], {}),
            (r"!.*memory-sound/resource/LRRing_", ["alarm"], {}),
            (r"!.*memory-sound/resource/LRApplauses", ["human"], {}),
            (r"!.*memory-sound/resource/(LRHits|LRDoor_Open|LRObject_falling)", ["impact"], {}),
            # core/resource/sounds/crash.wav dropped: the sheet shows steady tones (synthetic)
            (r"!.*/(canal_lock/resource/door_(open|close)|core/resource/sounds/brick|melody/resource/knock|"
             r"mining/resource/pickaxe|scalesboard/resource/metal_hit)\.wav$", ["impact"], {}),
            (r"!.*/(canal_lock/resource/water_fill|clickgame/resource/(drip|bubble)|core/resource/sounds/water|"
             r"watercycle/resource/bubble)\.wav$", ["water"], {}),
        ],
    },
    "openclonk-data": {        # audio inside c4group archives: "Sound.ocg!Hits.ocg/..."
        "license": "ISC; sounds CC-BY-3.0 (Sound.ocg/authors.txt)",
        "rules": [
            (r"Sound\.ocg!Animals\.ocg/(Bat\.ocg/Chirp|MosquitoBuzz)", ["animal"], {}),
            (r"Sound\.ocg!Environment\.ocg/BirdsLoop", ["animal"], {}),
            (r"Sound\.ocg!Environment\.ocg/Waterfall", ["water"], {}),
            (r"Sound\.ocg!Environment\.ocg/WindLoop", ["noise"], {}),
            (r"Sound\.ocg!Environment\.ocg/Tree\.ocg/(Chop|Crack|Landing)", ["impact"], {}),
            (r"Sound\.ocg!Fire\.ocg/(Blast|BlastMetal|Blast3alt|BlastFirework|Cracker)\d*\.", ["impact"], {}),
            (r"Sound\.ocg!Fire\.ocg/(Fire|Inflame|FuseLoop)\d*\.", ["noise"], {}),
            (r"Sound\.ocg!Hits\.ocg/Materials\.ocg/Wood\.ocg/WoodCreak", _NO, {}),   # a creak, not a hit
            (r"Sound\.ocg!Hits\.ocg/", ["impact"], {}),
            (r"Sound\.ocg!Liquids\.ocg/(Boiling|Bubble|Splash|StereoRain|Swim|Waterdrop)", ["water"], {}),
            (r"Sound\.ocg!Liquids\.ocg/(Sizzle|Pshshsh|SmokeSizzle)", ["noise"], {}),
            (r"Sound\.ocg!Objects\.ocg/Plane\.ocg/PropellerLoop", ["vehicle"], {}),
            (r"Sound\.ocg!Objects\.ocg/(Plane\.ocg/PlaneCrash|Pickaxe\.ocg/Clang|Balloon\.ocg/Pop|"
             r"Arrow\.ocg/HitGround|Lorry\.ocg/Dump|Weapons\.ocg/(Shield\.ocg/|WeaponHit|"
             r"Blunderbuss\.ocg/(BulletShot|GunShoot)))", ["impact"], {}),
            (r"Sound\.ocg!Structures\.ocg/(DoorClose|DoorOpen|Chest\.ocg/|StoneGate\.ocg/GateHit)", ["impact"], {}),
            (r"Sound\.ocg!Structures\.ocg/(FanLoop|Furnace\.ocg/Loop|SteamEngine|Pumpjack|SawmillRipcut|"
             r"Elevator\.ocg/(Drilling|Moving))", ["noise"], {}),
            (r"Sound\.ocg!Clonk\.ocg/Skin\.ocg/\w+\.ocg/(Die|Hurt|Laughter|Scream|Shock)", ["human"],
             {"group": r"(Skin\.ocg/\w+)\.ocg"}),
            (r"Crash\.ocs/Sound\.ocg/EngineDie", ["vehicle"], {}),
            (r"Music\.ocg/[^/]+\.ogg$", ["music"], {S: True}),
        ],
    },
    "torcs-data": {
        "license": "GPL-2+",
        "rules": [
            (r"data/sound/(206_engine|935|944|alpha-romeo|cleanviper|clkdtmb2|corolla1400hi2|engine-1|evo7_engine(_f)?|"
             r"f360|ferrarif355|ferrarif50|ford1b|ford2c|gt40|impreza2002_engine|lamborghinidiablo|lotus|mclarenf1|"
             r"nsx|porsche_engine|renault-v10|viper2|viper_long|xj220|turbo1|backfire_loop|skid_tyres|road-ride)\.wav$",
             ["vehicle"], {"group": r"data/sound/([a-z]+)"}),
            (r"data/sound/(crash\d|bottom_crash)\.wav$", ["impact"], {}),
            (r"data/music/.*\.ogg$", ["music"], {S: True}),
        ],
    },
    "widelands-data": {
        "license": "GPL-2+ (per file: see copyright)",
        "rules": [
            (r"data/sound/animals/(bird\d|boar|coyote|crickets\d|frog|moose|stag|wolf)", ["animal"], {}),
            (r"data/sound/farm/(donkey|horse|ox|sheep|farm_animal)", ["animal"], {}),
            (r"data/world/critters/duck/", ["animal"], {}),
            (r"data/sound/(hammering/|woodcutting/(fast_woodcutting|woodcutting|tree_falling)|smiths/smith|"
             r"other/falling_tools|stonecutting/)", ["impact"], {}),
            (r"data/sound/(sawmill/|mill/mill_turning|atlanteans/saw/|metal/furnace)", ["noise"], {}),
            (r"data/music/.*\.ogg$", ["music"], {S: True}),
        ],
    },
    "simutrans-pak64": {
        "license": "Artistic-1.0",
        "rules": [
            (r"pak/sound/(bus|comet-jet|diesel|planelow|steam|truck|boat-horn)\.wav$", ["vehicle"], {}),
            (r"pak/sound/(horse|seagulls)\.wav$", ["animal"], {}),
            (r"pak/sound/Water\.wav$", ["water"], {}),
            (r"pak/sound/explosion\.wav$", ["impact"], {}),
            (r"pak/sound/(jackhammer|buzzsaw)\.wav$", ["noise"], {}),
            (r"pak/sound/crossing\.wav$", ["alarm"], {}),
        ],
    },
    # Sources of the labels real recordings are scarcest for: animals, engines, water, wind and fire.
    "megaglest-data": {        # tilesets ship byte-identical copies: one tileset per distinct file
        "license": "CC-BY-SA-3.0",
        "rules": [
            (r"megaglest/data/core/water_sounds/water\d\.wav$", ["water"], {}),
            (r"megaglest/tilesets/(birch_forest|desert2)/sounds/wolf\.wav$", ["animal"], {}),
            (r"megaglest/tilesets/birch_forest/sounds/chicken\.wav$", ["animal"], {}),
            (r"megaglest/tilesets/(desert2/sounds/hawk|autumn/sounds/(owl|rooster)|pine_peat/sounds/mudchute_cow_1)"
             r"\.(ogg|wav)$", ["animal"], {}),
            (r"megaglest/techs/megapack/commondata/sounds/cow_", ["animal"], {"group": r"sounds/(cow)_"}),
            (r"megaglest/techs/megapack/factions/persian/units/sheep/sounds/", ["animal"], {"group": r"(units/sheep)/"}),
            (r"megaglest/tilesets/(dark_forest|birch_forest|autumn)/sounds/rain\.ogg$", ["water"], {S: True}),
            (r"megaglest/tilesets/desert2/sounds/rain\.wav$", ["water"], {S: True}),
            (r"megaglest/tilesets/winter(_forest)?/sounds/wind\.ogg$", ["noise"], {S: True}),
        ],
    },
    "btanks-data": {
        "license": "GPL-2+ (Battle Tanks exception)",
        "rules": [
            (r"data/sounds/(engine-car|engine-start|engine-vehicle|helicopter|tank-move|train|vehicle-sound|"
             r"submarine)\.ogg$", ["vehicle"], {S: True}),
            (r"data/sounds/cow\.ogg$", ["animal"], {}),
            (r"data/sounds/(fire|fire-fadeout)\.ogg$", ["noise"], {"group": r"sounds/(fire)"}),
            (r"data/sounds/laugh0\d\.ogg$", ["human"], {}),
        ],
    },
    "flare-game": {
        "license": "CC-BY-SA-3.0+",
        "rules": [
            (r"soundfx/environment/(rain|river_loop|cave_droplets_loop)\.ogg$", ["water"], {S: True}),
            (r"soundfx/environment/(bird_twitter_loop|forest_owl_loop|raven_loop)\.ogg$", ["animal"], {S: True}),
            (r"soundfx/environment/(wind_loop|cave_wind_loop)\.ogg$", ["noise"], {S: True}),
            (r"soundfx/environment/(open_fire|open_fire_loop)\.ogg$", ["noise"], {"group": r"(open_fire)"}),
            (r"soundfx/environment/falling_rocks\.ogg$", ["impact"], {}),
        ],
    },
    "7kaa-data": {
        "license": "GPL-2+",
        "rules": [
            (r"7kaa/SOUND/RAIN\.WAV$", ["water"], {}),
            (r"7kaa/SOUND/(FIRE|WIND)\.WAV$", ["noise"], {S: True}),
        ],
    },
    "freeciv-data": {
        "license": "GPL-2+",
        "rules": [
            (r"stdsounds/(Splash|inh2o)\.ogg$", ["water"], {}),
            (r"stdsounds/(Tread|THover)\.ogg$", ["vehicle"], {}),
            (r"stdsounds/(LrgExpl|SmlExpl)\.ogg$", ["impact"], {}),
        ],
    },
    "fillets-ng-data-cs": {"license": "GPL-2+", "rules": "fillets"},
    "fillets-ng-data-nl": {"license": "GPL-2+", "rules": "fillets"},
}

RULESETS = {
    # spoken dialogue of the game's fish, one folder per level and language: sound/<level>/<lang>/<line>.ogg
    "fillets": [
        (r"fillets-ng/sound/[^/]+/(cs|nl)/[^/]+\.ogg$", ["speech"], {"group": r"sound/([^/]+/(?:cs|nl))/"}),
    ],
    "asterisk": [
        (r"(^|/)(silence)/", _NO, {}),
        (r"/(beep\w*|tone\w*|ring\w*|dtmf\w*)\.g722$", _NO, {}),
        (r"sounds/([^/]+)/.*\.g722$", ["speech"], {"group": r"sounds/([^/]+)/"}),
    ],
    "0ad": [
        (r"!audio/music/.*\.ogg$", ["music"], {S: True}),
        (r"!audio/ambient/water/", ["water"], {S: True}),
        (r"!audio/ambient/weather/rain", ["water"], {S: True}),
        (r"!audio/ambient/weather/(wind|windgust|windstorm|snowstorm)", ["noise"], {S: True}),
        (r"!audio/voice/global/civ_dog_bark", ["animal"], {}),
        (r"!audio/voice/global/", _NO, {}),
        (r"!audio/voice/[^/]+/", ["speech"], {"group": r"!audio/voice/([^/]+/[^/]+?_(?:fe)?male)",
                                              "min_dur": 0.8}),
        (r"!audio/actor/fauna/(animal|death)/", ["animal"], {}),
        (r"!audio/actor/human/death/", ["human"], {"group": r"death/((?:fe)?male|death)"}),
        (r"!audio/attack/impact/(arrow|shield|sling|siegeprojectilehit)", ["impact"], {}),
        (r"!audio/attack/destruction/", ["impact"], {}),
        (r"!audio/resource/mining/", ["impact"], {}),
        (r"!audio/attack/fire/", ["noise"], {}),
        (r"!audio/actor/gate/", ["impact"], {}),
    ],
}


def rules_of(package):
    r = SOURCES[package]["rules"]
    return RULESETS[r] if isinstance(r, str) else r


_VARIANT = re.compile(r"([ _-]?\d+|[ _-][a-c]|_\d*f)$", re.I)


def default_group(path):
    """Group key of variants: the path without extension and trailing variant digits."""
    stem = re.sub(r"\.[A-Za-z0-9]+$", "", path)
    stem = stem.split("#")[0]
    prev = None
    while prev != stem:
        prev = stem
        stem = re.sub(r"[ _.-]?\d+$", "", stem)
    return stem.lower()


def label_path(package, path, rules=None):
    """(labels, options) for `path` inside `package`, or (None, None) when it is dropped/unmatched."""
    rules = rules_of(package) if rules is None else rules
    for pat, labels, opts in rules:
        if re.search(pat, path):
            if labels is None:
                return None, None
            return list(labels), dict(opts)
    return None, None


def group_of(package, path, opts):
    g = opts.get("group") if opts else None
    if g:
        m = re.search(g, path)
        if m:
            key = m.group(1) if m.groups() and m.group(1) is not None else m.group(0)
            return f"{package}:{key}"
    return f"{package}:{default_group(path)}"


# ---------------------------------------------------------------------------------------------
# Fetching
def apt_download(package, cache_dir):
    """Default downloader: apt-get download into cache_dir (reused). Returns the .deb path."""
    check_allowed(package)
    os.makedirs(cache_dir, exist_ok=True)
    have = glob.glob(os.path.join(cache_dir, f"{package}_*.deb"))
    if have:
        return sorted(have)[-1]
    subprocess.run(["apt-get", "download", package], cwd=cache_dir, check=True,
                   stdout=subprocess.DEVNULL)
    have = glob.glob(os.path.join(cache_dir, f"{package}_*.deb"))
    if not have:
        raise RuntimeError(f"apt-get download {package} produced no .deb")
    return sorted(have)[-1]


def extract_deb(deb, dest):
    """Unpack audio files, archives and the copyright file of `deb` into dest (reused when done)."""
    marker = os.path.join(dest, ".extracted")
    if os.path.exists(marker):
        return dest
    os.makedirs(dest, exist_ok=True)
    exts = AUDIO_EXT + RCC_EXT + C4_EXT
    pats = ["*" + e for e in exts + tuple(e.upper() for e in exts)] + ["*.zip", "*/copyright"]
    p1 = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    p2 = subprocess.run(["tar", "-x", "-C", dest, "--wildcards", *pats], stdin=p1.stdout,
                        stderr=subprocess.PIPE)
    p1.stdout.close()
    p1.wait()
    if p1.returncode != 0:
        raise RuntimeError(f"dpkg-deb failed on {deb}")
    # tar exits 2 when a pattern matched nothing (e.g. no zip); that is fine
    open(marker, "w").close()
    return dest


def rcc_members(blob):
    """{path: bytes} of the files in a Qt resource bundle (.rcc, format versions 1-3): a header ('qres',
    version, tree / data / names offsets), a tree of 14-byte (v1) or 22-byte (v2+) nodes, names as length +
    hash + UTF-16BE, data as length + bytes (zlib with a 4-byte size prefix when flag 1 is set; zstd (flag 4)
    is skipped)."""
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource bundle")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    node = 22 if version >= 2 else 14

    def name(off):
        n, = struct.unpack(">H", blob[names + off:names + off + 2])
        return blob[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    out = {}
    stack = [(0, "")]
    while stack:
        i, prefix = stack.pop()
        b = tree + i * node
        name_off, flags = struct.unpack(">IH", blob[b:b + 6])
        here = name(name_off) if i else ""
        if flags & 2:                                       # directory: child count, first child
            count, first = struct.unpack(">II", blob[b + 6:b + 14])
            stack += [(first + k, prefix + here + "/" if i else "") for k in range(count)]
            continue
        off, = struct.unpack(">I", blob[b + 10:b + 14])
        size, = struct.unpack(">I", blob[data + off:data + off + 4])
        raw = blob[data + off + 4:data + off + 4 + size]
        if flags & 4:
            continue
        out[prefix + here] = zlib.decompress(raw[4:]) if flags & 1 else raw
    return out


C4_HEADER, C4_ENTRY = 204, 316


def _c4_unscramble(b):
    b = bytearray(x ^ 237 for x in b)
    for i in range(0, len(b) - 2, 3):
        b[i], b[i + 2] = b[i + 2], b[i]
    return bytes(b)


def c4_members(blob, prefix=""):
    """{path: bytes} of an OpenClonk c4group: gzip with its magic changed to 1E 8C (top level only), a 204-byte
    header (XOR 237, then bytes i and i+2 of every three swapped) whose int32 at 36 is the entry count, 316-byte
    entries (name[260], packed, child group, size, -, offset), then the entries' data; child groups nest."""
    if blob[:2] in (b"\x1e\x8c", b"\x1f\x8b"):
        blob = gzip.decompress(b"\x1f\x8b" + blob[2:])
    head = _c4_unscramble(blob[:C4_HEADER])
    if not head.startswith(b"RedWolf Design GrpFolder"):
        raise ValueError("not a c4group")
    n, = struct.unpack("<i", head[36:40])
    base = C4_HEADER + n * C4_ENTRY
    out = {}
    for k in range(n):
        e = blob[C4_HEADER + k * C4_ENTRY:C4_HEADER + (k + 1) * C4_ENTRY]
        name = e[:260].split(b"\0")[0].decode("latin-1")
        _, child, size, _, off = struct.unpack("<iiiii", e[260:280])
        data = blob[base + off:base + off + size]
        if child:
            out.update(c4_members(data, prefix + name + "/"))
        else:
            out[prefix + name] = data
    return out


def archive_kind(name):
    low = name.lower()
    return "zip" if low.endswith(".zip") else "rcc" if low.endswith(RCC_EXT) else "c4" if low.endswith(C4_EXT) else None


def archive_names(full):
    """Audio member names of the archive file `full` ([] when it is not one we read)."""
    kind = archive_kind(full)
    try:
        if kind == "zip":
            with zipfile.ZipFile(full) as z:
                names = z.namelist()
        elif kind == "rcc":
            with open(full, "rb") as f:
                names = list(rcc_members(f.read()))
        elif kind == "c4":
            with open(full, "rb") as f:
                names = list(c4_members(f.read()))
        else:
            return []
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error, zlib.error):
        return []
    return [n for n in names if n.lower().endswith(AUDIO_EXT)]


def list_audio(root):
    """Paths (relative to root) of audio files, with members of archives (zip, Qt rcc, c4group) as
    'archive!member'."""
    out = []
    for dirpath, _, files in os.walk(root):
        for f in files:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root)
            if f.lower().endswith(AUDIO_EXT):
                out.append(rel)
            elif archive_kind(f):
                out += [f"{rel}!{n}" for n in archive_names(full)]
    return sorted(out)


_ZIPS = {}
_MEMBERS = {}


def _read_member(full, member):
    kind = archive_kind(full)
    if kind == "zip":
        key = (os.getpid(), full)                           # per process: a forked handle shares its offset
        if key not in _ZIPS:
            _ZIPS[key] = zipfile.ZipFile(full)
        with _ZIPS[key].open(member) as src:
            return src.read()
    if (os.getpid(), full) not in _MEMBERS:                 # one parsed archive per process at a time
        _MEMBERS.clear()
        with open(full, "rb") as f:
            blob = f.read()
        _MEMBERS[os.getpid(), full] = rcc_members(blob) if kind == "rcc" else c4_members(blob)
    return _MEMBERS[os.getpid(), full][member]


def materialise(root, path):
    """A real file for `path` (extracting an archive member under <archive>.d/ on first use)."""
    if "!" not in path:
        return os.path.join(root, path)
    arc, member = path.split("!", 1)
    dest = os.path.join(root, arc + ".d", member)
    if not os.path.exists(dest):
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        tmp = f"{dest}.{os.getpid()}.tmp"
        with open(tmp, "wb") as dst:
            dst.write(_read_member(os.path.join(root, arc), member))
        os.replace(tmp, dest)
    return dest


# ---------------------------------------------------------------------------------------------
# Licenses: the package's own copyright file, per clip
def dep5_stanzas(text):
    """[(file patterns, license name)] of a machine-readable (DEP-5) copyright file, in file order."""
    out = []
    for para in re.split(r"\n\s*\n", text):
        fields, key = {}, None
        for line in para.splitlines():
            m = re.match(r"^([A-Za-z-]+):\s*(.*)$", line)
            if m and not line.startswith((" ", "\t")):
                key = m.group(1).lower()
                fields[key] = m.group(2).strip()
            elif key and line.startswith((" ", "\t")):
                fields[key] += " " + line.strip() if key == "files" else ""
        if "files" in fields and fields.get("license"):
            out.append((fields["files"].split(), fields["license"]))
    return out


def dep5_license(stanzas, path):
    """License of `path` by DEP-5 rules (the last stanza whose pattern matches wins); a pattern matches the path
    or any tail of it after a '/' (copyright files name source-tree paths, packages install them under
    usr/share/...); an archive member 'a.rcc!src/x.wav' is matched as 'a.rcc/src/x.wav'. None: no stanza."""
    p = path.split("#")[0].replace("!", "/")
    tails = [p] + [p[i + 1:] for i, c in enumerate(p) if c == "/"]
    found = None
    for patterns, lic in stanzas:
        if any(fnmatch.fnmatchcase(t, pat) for pat in patterns for t in tails):
            found = lic
    return found


def package_stanzas(package, root):
    path = os.path.join(root, "usr", "share", "doc", package, "copyright")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return dep5_stanzas(f.read())


# ---------------------------------------------------------------------------------------------
# Audio
def decode(path, seg=None):
    """float32 mono at 16 kHz; seg = (start_s, length_s) reads only that part."""
    import soundfile as sf
    from scipy.signal import resample_poly
    x = None
    if not path.lower().endswith((".g722", ".mp3")):
        try:
            with sf.SoundFile(path) as f:
                sr = f.samplerate
                if seg is not None:
                    f.seek(min(int(seg[0] * sr), max(0, f.frames - 1)))
                    x = f.read(int(seg[1] * sr), dtype="float32", always_2d=True)
                else:
                    x = f.read(dtype="float32", always_2d=True)
            x = x.mean(axis=1)
        except Exception:
            x = None
    if x is None:
        cmd = ["ffmpeg", "-v", "error", "-nostdin"]
        if path.lower().endswith(".g722"):
            cmd += ["-f", "g722"]
        cmd += ["-i", path]
        if seg is not None:
            cmd += ["-ss", str(seg[0]), "-t", str(seg[1])]
        cmd += ["-ac", "1", "-ar", str(SR), "-f", "f32le", "-"]
        raw = subprocess.run(cmd, capture_output=True, check=True).stdout
        return np.frombuffer(raw, dtype=np.float32).copy()
    if sr != SR:
        g = math.gcd(int(sr), SR)
        x = resample_poly(x, SR // g, int(sr) // g).astype(np.float32)
    return x


def clean(x, sr=SR):
    """Trim digital silence at both ends, cap at MAX_DUR; None if too short or essentially silent."""
    x = np.asarray(x, dtype=np.float32)
    nz = np.flatnonzero(np.abs(x) > DIGITAL_SILENCE)
    if nz.size == 0:
        return None
    x = x[nz[0]:nz[-1] + 1]
    x = x[: int(MAX_DUR * sr)]
    if len(x) < MIN_DUR * sr:
        return None
    rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2)))
    if rms <= 0 or 20 * math.log10(rms) < SILENCE_DBFS:
        return None
    return np.clip(x, -1.0, 1.0)


def duration_of(path):
    try:
        import soundfile as sf
        i = sf.info(path)
        return i.frames / i.samplerate
    except Exception:
        return None


def segments_for(duration, rng):
    """(start, length) cuts of 5-10 s spread over a file of `duration` s, at most SEG_PER_FILE."""
    if duration is None or duration <= MAX_DUR:
        return [None]
    n = min(SEG_PER_FILE, max(1, int(duration // SEG_MAX)))
    slot = duration / n
    out = []
    for k in range(n):
        length = min(rng.uniform(SEG_MIN, SEG_MAX), slot)
        start = k * slot + rng.uniform(0, max(0.0, slot - length))
        out.append((round(start, 3), round(length, 3)))
    return out


# ---------------------------------------------------------------------------------------------
# Balancing
def balance(items, caps=None, default_cap=DEFAULT_CAP, max_share=MAX_SHARE, seed=0, share_floor=SHARE_FLOOR):
    """Seeded subset of items (dicts with 'labels', 'source', 'group'): per primary label at most its cap;
    one package at most max_share of a label when other packages offer it (but always up to share_floor
    clips); groups interleaved."""
    caps = dict(LABEL_CAPS if caps is None else caps)
    by_label = collections.defaultdict(lambda: collections.defaultdict(list))
    for it in items:
        by_label[it["labels"][0]][it["source"]].append(it)
    keep = []
    for label in sorted(by_label):
        pkgs = by_label[label]
        cap = caps.get(label, default_cap)
        ordered = {}
        for p in sorted(pkgs):
            rng = random.Random(f"{seed}:{label}:{p}")
            groups = collections.defaultdict(list)
            for it in sorted(pkgs[p], key=lambda i: i["id"]):
                groups[it["group"]].append(it)
            keys = sorted(groups)
            rng.shuffle(keys)
            for k in keys:
                rng.shuffle(groups[k])
            seq = []
            depth = 0
            while len(seq) < len(pkgs[p]):
                for k in keys:
                    if depth < len(groups[k]):
                        seq.append(groups[k][depth])
                depth += 1
            ordered[p] = seq
        n = {p: len(v) for p, v in ordered.items()}
        # water-fill up to the cap
        alloc = dict.fromkeys(n, 0)
        left = cap
        active = [p for p in n if n[p] > 0]
        while left > 0 and active:
            share = max(1, left // len(active))
            for p in list(active):
                take = min(share, n[p] - alloc[p], left)
                alloc[p] += take
                left -= take
                if alloc[p] >= n[p]:
                    active.remove(p)
                if left <= 0:
                    break
        # per-package share when others offer the label
        if len(alloc) > 1:
            for _ in range(len(alloc)):
                changed = False
                for p in alloc:
                    others = sum(v for q, v in alloc.items() if q != p)
                    lim = int(math.floor(max_share / (1 - max_share) * others)) if max_share < 1 else alloc[p]
                    lim = max(lim, share_floor, 1)
                    if alloc[p] > lim:
                        alloc[p] = lim
                        changed = True
                if not changed:
                    break
        for p, seq in ordered.items():
            keep += seq[:alloc[p]]
    return sorted(keep, key=lambda i: i["id"])


# ---------------------------------------------------------------------------------------------
# Pipeline
def clip_id(source, path):
    h = hashlib.sha1(f"{source}|{path}".encode()).hexdigest()[:12]
    return f"{re.sub(r'[^a-z0-9]+', '-', source.lower())[:20]}-{h}"


def candidates(package, root, seed=0):
    """Labelled candidate items of one unpacked package (segments expanded)."""
    check_allowed(package)
    fallback = SOURCES[package]["license"] if package in SOURCES else "unknown"
    stanzas = package_stanzas(package, root)
    rules = rules_of(package)
    out = []
    for path in list_audio(root):
        labels, opts = label_path(package, path, rules)
        if not labels:
            continue
        lic_path = re.sub(*SOURCES[package]["license_path"], path) if "license_path" in SOURCES.get(package, {}) else path
        lic = dep5_license(stanzas, lic_path) or fallback
        group = group_of(package, path, opts)
        segs = [None]
        if opts.get(S):
            dur = duration_of(materialise(root, path))
            segs = segments_for(dur, random.Random(f"{seed}:{package}:{path}"))
        for k, seg in enumerate(segs):
            p = path if seg is None else f"{path}#seg{k}"
            out.append({"id": clip_id(package, p), "source": package, "path": p, "license": lic,
                        "labels": labels, "group": group, "_root": root, "_seg": seg,
                        "_min_dur": float(opts.get("min_dur", 0.0))})
    return out


def _convert(args):
    item, out_dir = args
    import soundfile as sf
    rel = os.path.join("wav", item["source"], item["id"] + ".wav")
    full = os.path.join(out_dir, rel)
    if os.path.exists(full):                                  # made by an earlier build: ids name (package, path)
        info = sf.info(full)
        if info.frames < item.get("_min_dur", 0.0) * SR:
            return item["id"], None, "shorter than its rule's min_dur"
        return item["id"], {"file": rel, "duration": round(info.frames / SR, 3)}, None
    try:
        src = materialise(item["_root"], item["path"].split("#")[0])
        x = decode(src, item["_seg"])
    except Exception as e:                                    # unreadable file: drop it
        return item["id"], None, f"decode: {e}"
    y = clean(x)
    if y is None:
        return item["id"], None, "silent/short"
    if len(y) < item.get("_min_dur", 0.0) * SR:
        return item["id"], None, "shorter than its rule's min_dur"
    os.makedirs(os.path.dirname(full), exist_ok=True)
    sf.write(full, y, SR, subtype="PCM_16")
    return item["id"], {"file": rel, "duration": round(len(y) / SR, 3)}, None


MANIFEST_FIELDS = ("id", "source", "path", "license", "labels", "duration", "group", "file")


def build(packages, out_dir, work_dir, download=apt_download, seed=0, workers=2, caps=None,
          default_cap=DEFAULT_CAP, max_share=MAX_SHARE, log=print):
    for p in packages:
        check_allowed(p)
    t0 = time.time()
    items = []
    for p in packages:
        deb = download(p, os.path.join(work_dir, "debs"))
        root = extract_deb(deb, os.path.join(work_dir, "pkgs", p)) if deb.endswith(".deb") else deb
        c = candidates(p, root, seed)
        log(f"{p}: {len(c)} candidates ({time.time() - t0:.0f} s)")
        items += c
    caps_all = dict(LABEL_CAPS if caps is None else caps)
    # over-select by 15 % so that dropped (silent) clips do not leave the caps unfilled
    pre = balance(items, {k: int(v * 1.15) + 1 for k, v in caps_all.items()}, int(default_cap * 1.15) + 1,
                  max_share, seed)
    log(f"converting {len(pre)} of {len(items)} candidates")
    os.makedirs(out_dir, exist_ok=True)
    done, dropped = {}, collections.Counter()
    jobs = [(it, out_dir) for it in pre]
    if workers > 1:
        import multiprocessing as mp
        with mp.get_context("fork").Pool(workers) as pool:
            results = pool.imap_unordered(_convert, jobs, chunksize=8)
            for cid, info, why in results:
                if info:
                    done[cid] = info
                else:
                    dropped[why.split(":")[0]] += 1
    else:
        for j in jobs:
            cid, info, why = _convert(j)
            if info:
                done[cid] = info
            else:
                dropped[why.split(":")[0]] += 1
    ok = [dict(it, **done[it["id"]]) for it in pre if it["id"] in done]
    final = balance(ok, caps_all, default_cap, max_share, seed)
    keep_ids = {it["id"] for it in final}
    for it in ok:                                              # remove over-selected wavs
        if it["id"] not in keep_ids:
            try:
                os.remove(os.path.join(out_dir, it["file"]))
            except OSError:
                pass
    rows = [{k: it[k] for k in MANIFEST_FIELDS} for it in final]
    with open(os.path.join(out_dir, "clips.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    write_summary(rows, os.path.join(out_dir, "summary.md"), dropped, time.time() - t0)
    log(f"{len(rows)} clips written, dropped {dict(dropped)}, {time.time() - t0:.0f} s")
    return rows


def load_manifest(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                check_allowed(r["source"])
                rows.append(r)
    return rows


def write_summary(rows, path, dropped=None, seconds=None):
    cnt = collections.Counter()
    mins = collections.Counter()
    for r in rows:
        for lab in r["labels"]:
            cnt[lab, r["source"]] += 1
            mins[lab, r["source"]] += r["duration"] / 60
    srcs = sorted({r["source"] for r in rows})
    lines = ["# Real recordings: clips (minutes) per label x package", "",
             "| label | " + " | ".join(srcs) + " | total |", "|---" * (len(srcs) + 2) + "|"]
    for lab in LABELS:
        cells = [f"{cnt[lab, s]} ({mins[lab, s]:.1f})" if cnt[lab, s] else "" for s in srcs]
        tc = sum(cnt[lab, s] for s in srcs)
        tm = sum(mins[lab, s] for s in srcs)
        lines.append(f"| {lab} | " + " | ".join(cells) + f" | {tc} ({tm:.1f}) |")
    tot = [f"{sum(1 for r in rows if r['source'] == s)}" for s in srcs]
    lines.append("| clips | " + " | ".join(tot) + f" | {len(rows)} |")
    lines.append("")
    if dropped:
        lines.append(f"Dropped after decoding: {dict(dropped)}")
    if seconds is not None:
        lines.append(f"Build time: {seconds:.0f} s")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def sheet(out_dir, label, n=24, seed=0, sources=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import soundfile as sf
    import torch
    import torchaudio
    rows = [r for r in load_manifest(os.path.join(out_dir, "clips.jsonl")) if label in r["labels"]
            and (not sources or r["source"] in sources)]
    rng = random.Random(f"{seed}:{label}")
    pick = rng.sample(rows, min(n, len(rows)))
    cols = 4
    nr = max(1, math.ceil(len(pick) / cols))
    fig, axes = plt.subplots(nr, cols, figsize=(4.2 * cols, 2.2 * nr), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, r in zip(axes.flat, pick):
        x, _ = sf.read(os.path.join(out_dir, r["file"]), dtype="float32")
        fb = torchaudio.compliance.kaldi.fbank(torch.from_numpy(x)[None], htk_compat=True, use_energy=False,
                                               window_type="hanning", dither=0.0, num_mel_bins=64,
                                               sample_frequency=SR)
        ax.imshow(fb.T.numpy(), origin="lower", aspect="auto", cmap="magma", vmin=-15, vmax=5)
        ax.set_title(f"{r['source'][:18]}:{r['path'][-38:]}\n{r['duration']:.1f}s", fontsize=7)
    fig.suptitle(f"{label}: {len(rows)} clips", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.join(out_dir, "sheets"), exist_ok=True)
    p = os.path.join(out_dir, "sheets", f"{label}{'-' + '-'.join(sources) if sources else ''}.png")
    fig.savefig(p, dpi=70)
    plt.close(fig)
    return p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--packages", nargs="*", help="default: every package in SOURCES")
    ap.add_argument("--out", default=os.path.join(HERE, "data", "real"))
    ap.add_argument("--work", default=os.path.join(HERE, "data"), help="holds debs/ and pkgs/")
    ap.add_argument("--sheet", nargs="*", metavar="LABEL", help="draw sheets (no build unless --packages)")
    ap.add_argument("--sheet-sources", nargs="*", metavar="PKG", help="sheets of these packages' clips only")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    pkgs = a.packages
    try:
        for p in pkgs or []:
            check_allowed(p)
            if p not in SOURCES:
                raise ValueError(f"no labelling rules for package {p!r} (known: {', '.join(SOURCES)})")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.sheet is None or pkgs is not None:
        build(pkgs or list(SOURCES), a.out, a.work, seed=a.seed, workers=a.workers)
    for lab in a.sheet or []:
        if lab not in LABELS:
            print(f"error: unknown label {lab!r}", file=sys.stderr)
            return 2
        print(sheet(a.out, lab, seed=a.seed, sources=a.sheet_sources))
    return 0


if __name__ == "__main__":
    sys.exit(main())
