package io.elasticast.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  @Test
  void shouldServeTheRegistryInPrometheusTextFormatOnAFreePort() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    try (MetricsEndpoint endpoint = MetricsEndpoint.start(0)) {
      endpoint.registry().counter("elasticast.test.things", "kind", "a").increment(3);
      endpoint.beforeScrape(scrapes::incrementAndGet);
      assertThat(endpoint.port()).isPositive();
      assertThat(endpoint.url()).isEqualTo("http://localhost:" + endpoint.port() + "/metrics");

      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(endpoint.url())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsEndpoint.CONTENT_TYPE);
      assertThat(Scrapes.value(r.body(), "elasticast_test_things_total", "kind", "a")).hasValue(3);
      assertThat(r.body()).contains("# TYPE elasticast_test_things_total counter");
      assertThat(scrapes).hasValue(1);

      HttpResponse<String> post = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(endpoint.url()))
              .POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void shouldRefuseAPortThatIsTakenWithAMessageThatSaysWhatToDo() {
    try (MetricsEndpoint first = MetricsEndpoint.start(0)) {
      assertThatThrownBy(() -> MetricsEndpoint.start(first.port()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("port " + first.port())
          .hasMessageContaining("--metrics-port");
    }
    assertThatThrownBy(() -> MetricsEndpoint.start(70_000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0..65535");
  }

  @Test
  void shouldStopServingAndCloseWhatItWasToldToWhenClosed() throws Exception {
    AtomicInteger closed = new AtomicInteger();
    MetricsEndpoint endpoint = MetricsEndpoint.start(0).closeWith(closed::incrementAndGet);
    String url = endpoint.url();
    assertThat(Scrapes.get(url)).isNotNull();
    endpoint.close();
    assertThat(closed).hasValue(1);
    assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
        .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
  }
}
