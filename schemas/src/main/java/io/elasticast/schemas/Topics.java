package io.elasticast.schemas;

import org.apache.kafka.common.serialization.Serdes;

/**
 * The pipeline's topics. Keys are always the stream id as a UTF-8 string (dead letters keep the
 * original key bytes inside the record instead). Names are defaults; jobs may rename with
 * {@link Topic#withName}.
 */
public final class Topics {

  public static final String AUDIO_RAW_NAME = "audio.raw";
  public static final String AUDIO_NORMALISED_NAME = "audio.normalised";
  public static final String EVENTS_NAME = "classifications";
  public static final String INCIDENTS_NAME = "incidents";
  public static final String ALERTS_NAME = "alerts";
  public static final String DEAD_LETTERS_NAME = "audio.dead-letters";

  public final Topic<String, AudioChunk> audioRaw;
  public final Topic<String, AudioChunk> audioNormalised;
  public final Topic<String, ClassificationEvent> events;
  /** Every incident (OPEN, UPDATE, CLOSED) of every label. */
  public final Topic<String, Incident> incidents;
  /** The incidents of the watched labels, OPEN and CLOSED only: one record as each starts and ends. */
  public final Topic<String, Incident> alerts;
  public final Topic<String, DeadLetter> deadLetters;

  public Topics(SerdeFactory serdes) {
    audioRaw = new Topic<>(AUDIO_RAW_NAME, Serdes.String(), serdes.valueSerde(AudioChunk.class));
    audioNormalised =
        new Topic<>(AUDIO_NORMALISED_NAME, Serdes.String(), serdes.valueSerde(AudioChunk.class));
    events = new Topic<>(EVENTS_NAME, Serdes.String(), serdes.valueSerde(ClassificationEvent.class));
    incidents = new Topic<>(INCIDENTS_NAME, Serdes.String(), serdes.valueSerde(Incident.class));
    alerts = new Topic<>(ALERTS_NAME, Serdes.String(), serdes.valueSerde(Incident.class));
    deadLetters =
        new Topic<>(DEAD_LETTERS_NAME, Serdes.String(), serdes.valueSerde(DeadLetter.class));
  }

  /** Topics with the default, registry-free serdes. */
  public static Topics singleObject() {
    return new Topics(SerdeFactory.singleObject());
  }
}
