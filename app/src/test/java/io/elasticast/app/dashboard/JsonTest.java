package io.elasticast.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.elasticast.app.live.FeedBoard;
import io.elasticast.schemas.DeadLetter;
import io.elasticast.schemas.DeadLetterReason;
import io.elasticast.schemas.IncidentState;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  record Inner(String name, Float level, double rate) {}

  record Outer(long id, boolean on, List<Inner> items, Map<String, Long> counts, IncidentState state) {}

  @Test
  void shouldWriteRecordComponentsInOrderAndMapsSorted() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("b", 2L);
    counts.put("a", 1L);
    String s = Json.write(new Outer(7, true, List.of(new Inner("x", null, 2.0), new Inner("y", -12.5f, 0.25)),
        counts, IncidentState.OPEN));
    assertThat(s).isEqualTo("{\"id\":7,\"on\":true,\"items\":[{\"name\":\"x\",\"level\":null,\"rate\":2},"
        + "{\"name\":\"y\",\"level\":-12.5,\"rate\":0.25}],\"counts\":{\"a\":1,\"b\":2},\"state\":\"OPEN\"}");
  }

  @Test
  void shouldWriteNonFiniteNumbersAsNullAndFloatsInTheirShortForm() throws Exception {
    assertThat(Json.write(Arrays.asList(Double.NaN, Float.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)))
        .isEqualTo("[null,null,null]");
    assertThat(Json.write(0.1f)).isEqualTo("0.1"); // not 0.10000000149011612
    assertThat(Json.write(1.0e-7)).isEqualTo("1.0E-7");
    assertThat(JSON.readTree(Json.write(1.0e-7)).doubleValue()).isEqualTo(1.0e-7);
    assertThat(Json.write(-0.0)).isEqualTo("0");
    assertThat(Json.write(Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
  }

  @Test
  void shouldEscapeEveryStringSoAnyLabelOrFeedNameRoundTrips() throws Exception {
    String nasty = "a\"b\\c\nd\re\tf\u0001g</script><!--h\u2028i\u00e9\ud83d\udd0a";
    String s = Json.write(Map.of("k" + nasty, nasty));
    assertThat(s).doesNotContain("<").doesNotContain("\n").doesNotContain("\u2028");
    JsonNode n = JSON.readTree(s);
    assertThat(n.get("k" + nasty).asText()).isEqualTo(nasty);
  }

  @Test
  void shouldWriteABoardSnapshotThatAJsonParserReadsBack() throws Exception {
    FeedBoard board = new FeedBoard();
    long t = 1_700_000_000_000_000L;
    board.onEvent(Records.event("siren-0", t, -9.5f, "siren", 0.91f, "alarm", 0.05f), t + 300_000);
    board.onEvent(Records.event("speech", t, null, "speech", 0.7f), t + 400_000);
    board.onIncident(Records.incident("siren-0", "siren", IncidentState.OPEN, t - 2_000_000, null, 0.91f, t),
        t + 350_000);
    board.onIncident(Records.incident("speech", "speech", IncidentState.CLOSED, t - 9_000_000, t - 4_000_000,
        0.8f, t - 2_000_000), t + 10);
    board.onDeadLetter(DeadLetter.newBuilder().setSourceTopic("audio.raw").setSourcePartition(0)
        .setSourceOffset(3).setReason(DeadLetterReason.UNDECODABLE).setMessage("x").setTimeMicros(t).build());
    board.setLag(12);

    JsonNode s = JSON.readTree(Json.write(board.snapshot(t + 500_000)));

    assertThat(s.get("nowMicros").asLong()).isEqualTo(t + 500_000);
    JsonNode siren = s.get("feeds").get(0);
    assertThat(siren.get("streamId").asText()).isEqualTo("siren-0");
    assertThat(siren.get("top").get(0).get("label").asText()).isEqualTo("siren");
    assertThat(siren.get("top").get(0).get("score").floatValue()).isEqualTo(0.91f);
    assertThat(siren.get("levelDbfs").floatValue()).isEqualTo(-9.5f);
    assertThat(siren.get("recentLabels").get(0).asText()).isEqualTo("siren");
    assertThat(siren.get("openIncidentLabels").get(0).asText()).isEqualTo("siren");
    assertThat(s.get("feeds").get(1).get("levelDbfs").isNull()).isTrue();
    JsonNode open = s.get("openIncidents").get(0);
    assertThat(open.get("incidentId").asText()).isEqualTo("siren-0/siren/" + (t - 2_000_000));
    assertThat(open.get("endMicros").isNull()).isTrue();
    assertThat(open.get("state").asText()).isEqualTo("OPEN");
    assertThat(s.get("recentIncidents").get(0).get("endMicros").asLong()).isEqualTo(t - 4_000_000);
    JsonNode f = s.get("figures");
    assertThat(f.get("events").asLong()).isEqualTo(2);
    assertThat(f.get("deadLetters").asLong()).isEqualTo(1);
    assertThat(f.get("deadLettersByReason").get("UNDECODABLE").asLong()).isEqualTo(1);
    assertThat(f.get("lagRecords").asLong()).isEqualTo(12);
    assertThat(f.get("latencyP99Ms").asLong()).isEqualTo(400);
    assertThat(f.get("packUtilisation").doubleValue()).isBetween(0.79, 0.81);
  }
}
