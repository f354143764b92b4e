package io.elasticast.featurizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WindowPolicyUnitTest {

  @Test
  void shouldRoundLengthsDownToWholePatches() {
    WindowPolicy oneSecond = WindowPolicy.parse("sliding:1s/0.5s@10ms");
    assertThat(oneSecond.lengthFrames()).isEqualTo(96);
    assertThat(oneSecond.hopFrames()).isEqualTo(50);
    assertThat(oneSecond.name()).isEqualTo("sliding-1s/0.5s@10ms");
    assertThat(WindowPolicy.parse("sliding:10s/5s@40ms").lengthFrames()).isEqualTo(240);
    assertThat(WindowPolicy.parse("sliding:4s/2s@20ms").lengthFrames()).isEqualTo(192);
  }

  @Test
  void shouldParseSegmentOptions() {
    WindowPolicy segment = WindowPolicy.parse("segment:1s-10s@20ms,silence=200ms,threshold=-3");
    assertThat(segment.kind()).isEqualTo(WindowPolicy.Kind.SEGMENT);
    assertThat(segment.minFrames()).isEqualTo(48);
    assertThat(segment.maxFrames()).isEqualTo(496);
    assertThat(segment.minSilenceFrames()).isEqualTo(10);
    assertThat(segment.silenceLogEnergy()).isEqualTo(-3f);
    assertThat(WindowPolicy.parseList("sliding:1s/0.5s@10ms; segment:1s-10s@10ms")).hasSize(2);
  }

  @Test
  void shouldExplainABadSpec() {
    assertThatThrownBy(() -> WindowPolicy.parse("sliding:1s@10ms"))
        .hasMessageContaining("bad window policy 'sliding:1s@10ms'").hasMessageContaining("expected e.g.");
    assertThatThrownBy(() -> WindowPolicy.parse("sliding:0.1s/0.1s@10ms"))
        .hasMessageContaining("16 frames");
    assertThatThrownBy(() -> WindowPolicy.parse("blob:1s/1s@10ms")).hasMessageContaining("unknown kind");
  }
}
