package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The metrics port options of the job YAML and the commands: parsing, and a taken port told at once. */
class MetricsPortsTest {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    CommandLine cli = ElasticAstCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void shouldParseAPortARangeAndOff() {
    assertThat(FlinkPrometheus.Ports.parse("9249")).isEqualTo(new FlinkPrometheus.Ports(9249, 9249));
    assertThat(FlinkPrometheus.Ports.parse(" 9249-9259 ").flinkValue()).isEqualTo("9249-9259");
    assertThat(FlinkPrometheus.Ports.parse("0").off()).isTrue();
    assertThat(FlinkPrometheus.Ports.parse("").off()).isTrue();
    assertThat(FlinkPrometheus.Ports.parse(null).off()).isTrue();
    for (String bad : new String[] {"70000", "9259-9249", "-1", "a", "9249-"}) {
      assertThatThrownBy(() -> FlinkPrometheus.Ports.parse(bad)).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
    }
  }

  @Test
  void shouldDefaultTheJobToPort9249AndRefuseABadValueInTheYaml(@TempDir Path dir) throws Exception {
    assertThat(JobConfig.defaults().metrics.prometheusPort).isEqualTo("9249");
    Path yaml = dir.resolve("job.yaml");
    Files.writeString(yaml, "metrics:\n  prometheus-port: 9249-9240\n");
    assertThatThrownBy(() -> JobConfig.load(yaml)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metrics.prometheus-port").hasMessageContaining("9249-9240");
    Files.writeString(yaml, "metrics:\n  prometheus-port: 0\n");
    assertThat(FlinkPrometheus.Ports.parse(JobConfig.load(yaml).metrics.prometheusPort).off()).isTrue();
  }

  @Test
  void shouldTakeTheFirstFreePortOfARangeAndNameATakenSinglePort() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> new FlinkPrometheus.Ports(port, port).firstFree())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("port " + port).hasMessageContaining("in use");
      if (port < 65_535 && FlinkPrometheus.bindable(port + 1)) {
        assertThat(new FlinkPrometheus.Ports(port, port + 1).firstFree()).isEqualTo(port + 1);
      }
    }
  }

  @Test
  void shouldWriteTheReporterIntoFlinksConfiguration() {
    Configuration conf = FlinkPrometheus.enable(new Configuration(), FlinkPrometheus.Ports.parse("9300-9310"));
    assertThat(conf.get(ConfigOptions.key(FlinkPrometheus.FACTORY_KEY).stringType().noDefaultValue()))
        .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    assertThat(conf.get(ConfigOptions.key(FlinkPrometheus.PORT_KEY).stringType().noDefaultValue()))
        .isEqualTo("9300-9310");
    assertThat(FlinkPrometheus.enable(new Configuration(), FlinkPrometheus.Ports.OFF).keySet()).isEmpty();
  }

  @Test
  void shouldRefuseATakenPortInEveryCommandBeforeStarting(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      String port = Integer.toString(taken.getLocalPort());

      assertThat(run("normalize", "--bootstrap-servers", "localhost:1", "--metrics-port", port)).isEqualTo(2);
      assertThat(err.toString()).contains("port " + port).contains("--metrics-port");

      Path yaml = dir.resolve("job.yaml");
      Files.writeString(yaml, "metrics:\n  prometheus-port: " + port + "\n"
          + "checkpoints:\n  storage: " + dir.resolve("cp") + "\n");
      assertThat(run("job", "--config", yaml.toString())).isEqualTo(2);
      assertThat(err.toString()).contains("port " + port + " for the Prometheus metrics is in use");

      Path wav = dir.resolve("none.wav");
      assertThat(run("ingest", "--bootstrap-servers", "localhost:1", "--metrics-port", "70000",
          wav.toString())).isEqualTo(2);
      assertThat(err.toString()).contains("--metrics-port must be a port");
    }
  }

  @Test
  void shouldRefuseAClusterRangeSmallerThanItsProcesses() {
    assertThat(run("cluster", "--taskmanagers", "3", "--metrics-ports", "9249-9250")).isEqualTo(2);
    assertThat(err.toString()).contains("fewer ports than the cluster's 4 processes");
    assertThat(run("cluster", "--metrics-ports", "x")).isEqualTo(2);
    assertThat(err.toString()).contains("--metrics-ports");
  }
}
