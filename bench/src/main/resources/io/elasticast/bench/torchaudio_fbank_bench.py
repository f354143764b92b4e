"""torchaudio side of `elasticast bench features` (started by the Java bench): the same float32 audio through
torchaudio.compliance.kaldi.fbank on one thread. Writes the first parity_samples' features for the parity check and
prints the wall and CPU (time.process_time) seconds of each timed run.

  python3 torchaudio_fbank_bench.py AUDIO.f32 SHIFT_MS BINS REPEATS PARITY_SAMPLES PARITY_OUT.f32
"""
import sys
import time

import numpy as np
import torch
import torchaudio

torch.set_num_threads(1)
path, shift, bins, repeats, parity_samples, parity_out = sys.argv[1:7]
wave = torch.from_numpy(np.fromfile(path, dtype='<f4')).unsqueeze(0)


def run(w):
    return torchaudio.compliance.kaldi.fbank(w, htk_compat=True, use_energy=False, window_type='hanning', dither=0.0,
                                             frame_length=25, frame_shift=int(shift), num_mel_bins=int(bins),
                                             sample_frequency=16000)


run(wave[:, :16000 * 20])  # warm-up
run(wave[:, :int(parity_samples)]).numpy().astype('<f4').tofile(parity_out)
wall, cpu = [], []
for _ in range(int(repeats)):
    t, c = time.perf_counter(), time.process_time()
    run(wave)
    wall.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
print('torch_threads', torch.get_num_threads())
print('wall', ' '.join('%.6f' % t for t in wall))
print('cpu', ' '.join('%.6f' % t for t in cpu))
