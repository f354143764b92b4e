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
import java.util.List;
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
}
