package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.MappingIterator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * No Docker engine runs here, so the deployment files are checked against the code instead:
 * images and versions against the pom, the job's class and arguments, topic names, CLI commands
 * and options, and the paths the image copies. A rename in the code that the files miss fails here.
 */
class DeploymentFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static String pomProperty(String name) throws Exception {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(
        Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).as(name + " in the root pom").isTrue();
    return m.group(1);
  }

  static JsonNode compose() throws Exception {
    return YAML.readTree(ROOT.resolve("docker/docker-compose.yml").toFile());
  }

  static List<JsonNode> k8s(String file) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(ROOT.resolve("docker/k8s/" + file).toFile())) {
      it.forEachRemaining(docs::add);
    }
    return docs;
  }

  @Test
  void shouldUseTheFlinkAndKafkaVersionsTheBuildUses() throws Exception {
    String flink = pomProperty("flink.version");
    String kafka = pomProperty("kafka.version");
    assertThat(Files.readString(ROOT.resolve("docker/Dockerfile"))).contains("FROM flink:" + flink + "-java17");
    JsonNode services = compose().get("services");
    assertThat(services.get("kafka").get("image").asText()).isEqualTo("apache/kafka:" + kafka);
    JsonNode kafkaCluster = k8s("kafka.yaml").stream().filter(d -> d.get("kind").asText().equals("Kafka")).findFirst().orElseThrow();
    assertThat(kafkaCluster.at("/spec/kafka/version").asText()).isEqualTo(kafka);
    JsonNode deployment = k8s("flink-deployment.yaml").get(0);
    String[] mm = flink.split("\\.");
    assertThat(deployment.at("/spec/flinkVersion").asText()).isEqualTo("v" + mm[0] + "_" + mm[1]);
  }

  @Test
  void shouldStartTheJobClassWithArgumentsItAccepts() throws Exception {
    String jobClass = ElasticAstJob.class.getName();
    String jmCommand = compose().at("/services/jobmanager/command").asText();
    assertThat(jmCommand).contains("--job-classname " + jobClass);
    JsonNode job = k8s("flink-deployment.yaml").get(0).at("/spec/job");
    assertThat(job.get("entryClass").asText()).isEqualTo(jobClass);
    List<String> args = new ArrayList<>();
    job.get("args").forEach(a -> args.add(a.asText()));
    List<String> jmArgs = Arrays.asList(jmCommand.substring(jmCommand.indexOf("--config")).split(" "));
    for (List<String> a : List.of(args, jmArgs)) {
      for (int i = 0; i < a.size(); i += 2) {
        assertThat(a.get(i)).as("argument ElasticAstJob.main understands").isIn("--config", "--bootstrap-servers");
      }
      assertThat(a.get(a.indexOf("--config") + 1)).isEqualTo("/opt/elasticast/job.yaml");
    }
  }

  @Test
  void shouldCopyIntoTheImageWhatTheBuildProducesAndTheJobReads() throws Exception {
    List<String[]> copies = new ArrayList<>();
    for (String line : Files.readAllLines(ROOT.resolve("docker/Dockerfile"))) {
      if (line.startsWith("COPY ")) {
        copies.add(line.substring(5).trim().split("\\s+"));
      }
    }
    assertThat(copies).isNotEmpty();
    String appJar = "app/target/" + finalName() + ".jar";
    assertThat(copies).anySatisfy(c -> assertThat(c[0]).isEqualTo(appJar));
    for (String[] c : copies) {
      if (!c[0].equals(appJar)) {
        assertThat(ROOT.resolve(c[0])).as("COPY source " + c[0]).exists();
      }
    }
    String jarInImage = copies.stream().filter(c -> c[0].equals(appJar)).findFirst().orElseThrow()[1];
    assertThat(k8s("flink-deployment.yaml").get(0).at("/spec/job/jarURI").asText()).isEqualTo("local://" + jarInImage);
    // The job config the image carries points the model at the folder the image copies it to.
    String modelInImage = copies.stream().filter(c -> c[0].startsWith("model/")).findFirst().orElseThrow()[1];
    JobConfig config = JobConfig.load(ROOT.resolve("docker/job.yaml"));
    assertThat(modelInImage).startsWith(config.inference.modelDir);
  }

  static String finalName() throws Exception {
    Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(ROOT.resolve("app/pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void shouldCreateAndUseThePipelineTopics() throws Exception {
    String create = compose().at("/services/kafka-topics/command").get(0).asText();
    for (String topic : BrokerCommand.pipelineTopics()) {
      assertThat(create).contains(topic);
    }
    List<String> k8sTopics = k8s("kafka.yaml").stream().filter(d -> d.get("kind").asText().equals("KafkaTopic"))
        .map(d -> d.at("/spec/topicName").asText()).toList();
    assertThat(k8sTopics).containsExactlyInAnyOrder(BrokerCommand.pipelineTopics());
  }

  @Test
  void shouldRunCliCommandsAndOptionsThatExist() throws Exception {
    CommandLine cli = ElasticAstCli.commandLine();
    for (String service : List.of("normaliser", "ingest")) {
      JsonNode command = compose().at("/services/" + service + "/command");
      String sub = command.get(0).asText();
      assertThat(cli.getSubcommands()).as("subcommand of " + service).containsKey(sub);
      CommandLine.Model.CommandSpec spec = cli.getSubcommands().get(sub).getCommandSpec();
      for (JsonNode arg : command) {
        if (arg.asText().startsWith("--")) {
          assertThat(spec.findOption(arg.asText())).as(sub + " " + arg.asText()).isNotNull();
        }
      }
    }
  }

  // ---- metrics: Prometheus and Grafana ---------------------------------------------------------

  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void shouldPlotOnlyDocumentedMetricsInTheGrafanaDashboard() throws Exception {
    JsonNode dashboard = JSON.readTree(ROOT.resolve("docker/grafana/dashboards/elasticast.json").toFile());
    List<String> queries = new ArrayList<>();
    collectExprs(dashboard.get("panels"), queries);
    for (JsonNode variable : dashboard.at("/templating/list")) {
      JsonNode q = variable.get("query");
      queries.add(q.isObject() ? q.get("query").asText() : q.asText());
    }
    assertThat(queries).hasSizeGreaterThan(20);
    Set<String> used = new LinkedHashSet<>();
    for (String q : queries) {
      Set<String> names = promqlMetricNames(q);
      assertThat(names).as("metric names in " + q).isNotEmpty();
      used.addAll(names);
    }
    assertThat(used).as("metrics the dashboard queries, each in " + MetricsDoc.FILE)
        .isSubsetOf(MetricsDoc.names())
        .contains("flink_taskmanager_job_task_operator_feed_levelDbfs",
            "elasticast_normaliser_dead_letters_total", "elasticast_ingest_chunks_sent_total");
    // every panel reads the data source the provisioning file creates
    String uid = YAML.readTree(ROOT.resolve("docker/grafana/provisioning/datasources/prometheus.yml")
        .toFile()).at("/datasources/0/uid").asText();
    List<String> panelUids = new ArrayList<>();
    dashboard.get("panels").forEach(p -> {
      if (!p.get("type").asText().equals("row")) {
        panelUids.add(p.at("/datasource/uid").asText());
      }
    });
    assertThat(panelUids).isNotEmpty().containsOnly(uid);
  }

  @Test
  void shouldFindTheMetricNamesOfAPromQlQuery() {
    assertThat(promqlMetricNames("sum by (feed, reason) (rate(a_total{feed=~\"$feed\",x=\"y}z\"}[1m]))"
        + " / ignoring(le) b_c + on(x) group_left(y) max(c:d) > 0 and bool 1e3"))
        .containsExactly("a_total", "b_c", "c:d");
    assertThat(promqlMetricNames("label_values(m_x, feed)")).containsExactly("m_x");
  }

  /** Metric names a PromQL query reads: what is left once strings, matchers, ranges, groupings and calls are out. */
  static Set<String> promqlMetricNames(String query) {
    String q = query.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
        .replaceAll("\\{[^}]*\\}", " ")
        .replaceAll("\\[[^\\]]*\\]", " ")
        .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
        .replaceAll("label_values\\(\\s*([^,)]+?)\\s*,[^)]*\\)", "$1");
    Set<String> keywords = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
        "bool", "and", "or", "unless", "offset", "inf", "nan", "e");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?<![0-9.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(q);
    while (m.find()) {
      if (m.group(2) == null && !keywords.contains(m.group(1).toLowerCase())) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static void collectExprs(JsonNode panels, List<String> out) {
    for (JsonNode p : panels) {
      if (p.has("panels")) {
        collectExprs(p.get("panels"), out);
      }
      if (p.has("targets")) {
        p.get("targets").forEach(t -> out.add(t.get("expr").asText()));
      }
    }
  }

  @Test
  void shouldScrapeEveryProcessOnThePortItServesAndTheDocSays() throws Exception {
    JsonNode prometheus = YAML.readTree(ROOT.resolve("docker/prometheus.yml").toFile());
    Map<String, List<String>> targets = new LinkedHashMap<>();
    for (JsonNode job : prometheus.get("scrape_configs")) {
      List<String> t = new ArrayList<>();
      job.at("/static_configs/0/targets").forEach(x -> t.add(x.asText()));
      targets.put(job.get("job_name").asText(), t);
    }
    assertThat(targets).containsOnlyKeys("flink", "normaliser", "ingest");
    JsonNode services = compose().get("services");
    // each process's port: as the code defaults it, as the compose file configures it
    Map<String, Integer> expected = new LinkedHashMap<>();
    int flinkPort = Integer.parseInt(JobConfig.defaults().metrics.prometheusPort);
    for (String flink : List.of("jobmanager", "taskmanager")) {
      String props = services.at("/" + flink + "/environment/FLINK_PROPERTIES").asText();
      assertThat(props).as(flink + " FLINK_PROPERTIES")
          .contains(FlinkPrometheus.FACTORY_KEY + ": " + FlinkPrometheus.FACTORY)
          .contains(FlinkPrometheus.PORT_KEY + ": " + flinkPort);
      expected.put(flink, flinkPort);
    }
    expected.put("normaliser", NormalizeCommand.DEFAULT_METRICS_PORT);
    expected.put("ingest", IngestCommand.DEFAULT_METRICS_PORT);
    for (String service : List.of("normaliser", "ingest")) {
      List<String> command = new ArrayList<>();
      services.at("/" + service + "/command").forEach(a -> command.add(a.asText()));
      assertThat(command).as(service + " command").contains("--metrics-port");
      assertThat(command.get(command.indexOf("--metrics-port") + 1))
          .isEqualTo(Integer.toString(expected.get(service)));
    }
    List<String> all = targets.values().stream().flatMap(List::stream).toList();
    assertThat(all).containsExactlyInAnyOrderElementsOf(expected.entrySet().stream()
        .map(e -> e.getKey() + ":" + e.getValue()).toList());
    assertThat(targets.get("flink")).containsExactlyInAnyOrder("jobmanager:" + flinkPort, "taskmanager:" + flinkPort);
    // and the doc's table of ports says the same
    String doc = Files.readString(MetricsDoc.FILE);
    for (var e : Map.of("normaliser", NormalizeCommand.DEFAULT_METRICS_PORT, "ingest",
        IngestCommand.DEFAULT_METRICS_PORT, "job", flinkPort).entrySet()) {
      assertThat(doc).as("port row of " + e.getKey() + " in " + MetricsDoc.FILE)
          .containsPattern("(?m)^\\| " + e.getKey() + " \\| `\\./elasticast [a-z]+`[^|]*\\| " + e.getValue() + " \\|");
    }
    // Prometheus and Grafana get the files this directory holds
    assertThat(services.at("/prometheus/volumes/0").asText()).startsWith("./prometheus.yml:");
    for (JsonNode v : services.at("/grafana/volumes")) {
      assertThat(ROOT.resolve("docker").resolve(v.asText().split(":")[0])).as(v.asText()).isDirectory();
    }
  }
}
