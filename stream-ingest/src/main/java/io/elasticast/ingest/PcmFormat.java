package io.elasticast.ingest;

import io.elasticast.schemas.SampleEncoding;

/** Interleaved little-endian PCM as a source delivers it. */
public record PcmFormat(int sampleRate, int channels, SampleEncoding encoding) {

  public int frameBytes() {
    return channels * SampleCodec.bytesPerSample(encoding);
  }

  public double seconds(long frames) {
    return (double) frames / sampleRate;
  }

  @Override
  public String toString() {
    return sampleRate + " Hz, " + channels + " ch, " + encoding;
  }
}
