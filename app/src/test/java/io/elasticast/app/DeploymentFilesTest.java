package io.elasticast.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import picocli.CommandLine;

/**
 * No Docker engine or Kubernetes cluster runs here, so the deployment files are checked instead:
 * the Kubernetes manifests against the schemas their API server would apply (Kubernetes' own, the
 * Flink operator's and Strimzi's CRDs, in src/test/resources/deployment-schemas), and all files
 * against the code for what no schema can say: images and versions against the pom, the job's
 * class and arguments, topic names, CLI commands and options, ports and metric names, the paths
 * the image copies, where Flink keeps its state, and which Flink configuration keys they use.
 * {@link JobJarCheck} (run by Maven after package) checks the job jar. A rename in the code that
 * the files miss fails here.
 */
public class DeploymentFilesTest {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CLI_JAR_IN_IMAGE_DIR = "/opt/elasticast/";
  static final String USRLIB = "/opt/flink/usrlib/";

  static String pomProperty(String name) throws Exception {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(
        Files.readString(ROOT.resolve("pom.xml")));
    assertThat(m.find()).as(name + " in the root pom").isTrue();
    return m.group(1);
  }

  static JsonNode compose() throws Exception {
    return YAML.readTree(ROOT.resolve("docker/docker-compose.yml").toFile());
  }

  /** A compose service with the `<<: *job-image` merge applied (Jackson reads an alias as its name). */
  static JsonNode service(String name) throws Exception {
    JsonNode root = compose();
    ObjectNode merged = JsonNodeFactory.instance.objectNode();
    JsonNode svc = root.at("/services/" + name);
    assertThat(svc.isObject()).as("compose service " + name).isTrue();
    if (svc.has("<<")) {
      assertThat(svc.get("<<").asText()).isEqualTo("job-image");
      merged.setAll((ObjectNode) root.get("x-job-image"));
    }
    svc.fields().forEachRemaining(e -> {
      if (!e.getKey().equals("<<")) {
        merged.set(e.getKey(), e.getValue());
      }
    });
    return merged;
  }

  /** FLINK_PROPERTIES of a compose service, as the image's entrypoint reads them: one key: value a line. */
  static Map<String, String> flinkProperties(String service) throws Exception {
    Map<String, String> props = new LinkedHashMap<>();
    for (String line : service(service).at("/environment/FLINK_PROPERTIES").asText().split("\n")) {
      if (!line.isBlank()) {
        int colon = line.indexOf(':');
        assertThat(colon).as("key: value in " + service + " FLINK_PROPERTIES: " + line).isPositive();
        props.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return props;
  }

  static List<Path> k8sFiles() throws IOException {
    try (var files = Files.list(ROOT.resolve("docker/k8s"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  static List<JsonNode> k8s(String file) throws Exception {
    return readYamlDocuments(ROOT.resolve("docker/k8s/" + file));
  }

  static List<JsonNode> readYamlDocuments(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      it.forEachRemaining(d -> {
        if (d != null && !d.isNull() && !d.isMissingNode()) {
          docs.add(d);
        }
      });
    }
    return docs;
  }

  /** The one object of this kind among all manifests in docker/k8s. */
  static JsonNode k8sObject(String kind, String name) throws Exception {
    List<JsonNode> found = new ArrayList<>();
    for (Path f : k8sFiles()) {
      for (JsonNode d : readYamlDocuments(f)) {
        if (d.path("kind").asText().equals(kind) && (name == null || d.at("/metadata/name").asText().equals(name))) {
          found.add(d);
        }
      }
    }
    assertThat(found).as(kind + (name == null ? "" : " " + name) + " in docker/k8s").hasSize(1);
    return found.get(0);
  }

  static JsonNode flinkDeployment() throws Exception {
    return k8sObject("FlinkDeployment", null);
  }

  static JsonNode normaliserDeployment() throws Exception {
    return k8sObject("Deployment", "elasticast-normaliser");
  }

  static Map<String, String> flinkConfiguration() throws Exception {
    Map<String, String> conf = new LinkedHashMap<>();
    flinkDeployment().at("/spec/flinkConfiguration").fields()
        .forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
    return conf;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(a -> out.add(a.asText()));
    return out;
  }

  @Test
  void shouldUseTheFlinkAndKafkaVersionsTheBuildUses() throws Exception {
    String flink = pomProperty("flink.version");
    String kafka = pomProperty("kafka.version");
    assertThat(Files.readString(ROOT.resolve("docker/Dockerfile"))).contains("FROM flink:" + flink + "-java17");
    assertThat(service("kafka").get("image").asText()).isEqualTo("apache/kafka:" + kafka);
    assertThat(k8sObject("Kafka", null).at("/spec/kafka/version").asText()).isEqualTo(kafka);
    String[] mm = flink.split("\\.");
    assertThat(flinkDeployment().at("/spec/flinkVersion").asText()).isEqualTo("v" + mm[0] + "_" + mm[1]);
    // the normaliser runs the image the job runs (it holds the CLI jar)
    String image = flinkDeployment().at("/spec/image").asText();
    assertThat(normaliserDeployment().at("/spec/template/spec/containers/0/image").asText()).isEqualTo(image);
    assertThat(service("jobmanager").get("image").asText()).isEqualTo(image);
  }

  @Test
  void shouldStartTheJobClassWithArgumentsItAccepts() throws Exception {
    String jobClass = ElasticAstJob.class.getName();
    String jmCommand = service("jobmanager").get("command").asText();
    assertThat(jmCommand).contains("--job-classname " + jobClass);
    JsonNode job = flinkDeployment().at("/spec/job");
    assertThat(job.get("entryClass").asText()).isEqualTo(jobClass);
    List<String> args = texts(job.get("args"));
    List<String> jmArgs = Arrays.asList(jmCommand.substring(jmCommand.indexOf("--config")).split(" "));
    for (List<String> a : List.of(args, jmArgs)) {
      for (int i = 0; i < a.size(); i += 2) {
        assertThat(a.get(i)).as("argument ElasticAstJob.main understands").isIn("--config", "--bootstrap-servers");
      }
      assertThat(a.get(a.indexOf("--config") + 1)).isEqualTo("/opt/elasticast/job.yaml");
    }
    // on Kubernetes, the job and the normaliser both talk to the Strimzi cluster's bootstrap service
    assertThat(args.get(args.indexOf("--bootstrap-servers") + 1)).isEqualTo(strimziBootstrap());
  }

  /** {@code <Kafka name>-kafka-bootstrap:<port of its plain listener>}, the service Strimzi creates. */
  static String strimziBootstrap() throws Exception {
    JsonNode kafka = k8sObject("Kafka", null);
    JsonNode plain = null;
    for (JsonNode l : kafka.at("/spec/kafka/listeners")) {
      if (!l.get("tls").asBoolean() && l.get("type").asText().equals("internal")) {
        plain = l;
      }
    }
    assertThat(plain).as("an internal listener without TLS").isNotNull();
    return kafka.at("/metadata/name").asText() + "-kafka-bootstrap:" + plain.get("port").asInt();
  }

  static List<String[]> dockerCopies() throws IOException {
    List<String[]> copies = new ArrayList<>();
    for (String line : Files.readAllLines(ROOT.resolve("docker/Dockerfile"))) {
      if (line.startsWith("COPY ")) {
        copies.add(line.substring(5).trim().split("\\s+"));
      }
    }
    return copies;
  }

  static String inImage(String source) throws IOException {
    return dockerCopies().stream().filter(c -> c[0].equals(source)).findFirst()
        .orElseThrow(() -> new AssertionError("docker/Dockerfile copies no " + source))[1];
  }

  @Test
  void shouldCopyIntoTheImageWhatTheBuildProducesAndTheJobReads() throws Exception {
    List<String[]> copies = dockerCopies();
    assertThat(copies).isNotEmpty();
    String cliJar = "app/target/" + finalName() + ".jar";
    String jobJar = "app/target/" + jobJarName();
    for (String[] c : copies) {
      if (!c[0].startsWith("app/target/")) {
        assertThat(ROOT.resolve(c[0])).as("COPY source " + c[0]).exists();
      }
    }
    // the job jar where Flink puts the user classpath; the CLI jar (with Flink inside) not there
    String jobJarInImage = inImage(jobJar);
    String cliJarInImage = inImage(cliJar);
    assertThat(jobJarInImage).startsWith(USRLIB);
    assertThat(cliJarInImage).startsWith(CLI_JAR_IN_IMAGE_DIR).doesNotStartWith(USRLIB);
    assertThat(copies).filteredOn(c -> c[1].startsWith(USRLIB)).hasSize(1);
    assertThat(flinkDeployment().at("/spec/job/jarURI").asText()).isEqualTo("local://" + jobJarInImage);
    // the normaliser and ingest run the CLI jar, in compose and on Kubernetes
    for (String svc : List.of("normaliser", "ingest")) {
      assertThat(texts(service(svc).get("entrypoint"))).as(svc + " entrypoint").endsWith("-jar", cliJarInImage);
    }
    assertThat(texts(normaliserDeployment().at("/spec/template/spec/containers/0/command")))
        .first().isEqualTo("java");
    assertThat(texts(normaliserDeployment().at("/spec/template/spec/containers/0/command")))
        .endsWith("-jar", cliJarInImage);
    // The job config the image carries points the model at the folder the image copies it to.
    String modelInImage = copies.stream().filter(c -> c[0].startsWith("model/")).findFirst().orElseThrow()[1];
    JobConfig config = JobConfig.load(ROOT.resolve("docker/job.yaml"));
    assertThat(modelInImage).startsWith(config.inference.modelDir);
    assertThat(inImage("docker/job.yaml")).isEqualTo("/opt/elasticast/job.yaml");
  }

  static String finalName() throws Exception {
    Matcher m = Pattern.compile("<finalName>([^<]+)</finalName>").matcher(Files.readString(ROOT.resolve("app/pom.xml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** The file name of the shade execution that writes the job jar ({@code outputFile}). */
  static String jobJarName() throws Exception {
    Matcher m = Pattern.compile("<outputFile>\\$\\{project.build.directory}/([^<]+)</outputFile>")
        .matcher(Files.readString(ROOT.resolve("app/pom.xml")));
    assertThat(m.find()).as("the job jar's outputFile in app/pom.xml").isTrue();
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
    Map<String, List<String>> commands = new LinkedHashMap<>();
    for (String svc : List.of("normaliser", "ingest")) {
      commands.put("compose " + svc, texts(service(svc).get("command")));
    }
    commands.put("k8s normaliser", texts(normaliserDeployment().at("/spec/template/spec/containers/0/args")));
    CommandLine cli = ElasticAstCli.commandLine();
    for (var e : commands.entrySet()) {
      String sub = e.getValue().get(0);
      assertThat(cli.getSubcommands()).as("subcommand of " + e.getKey()).containsKey(sub);
      CommandLine.Model.CommandSpec spec = cli.getSubcommands().get(sub).getCommandSpec();
      for (String arg : e.getValue()) {
        if (arg.startsWith("--")) {
          assertThat(spec.findOption(arg)).as(sub + " " + arg).isNotNull();
        }
      }
    }
  }

  // ---- Kubernetes -------------------------------------------------------------------------------

  @Test
  void shouldRunTheNormaliserOnKubernetes() throws Exception {
    // Without it nothing writes audio.normalised and the job waits for ever.
    JsonNode pod = normaliserDeployment().at("/spec/template");
    List<String> args = texts(pod.at("/spec/containers/0/args"));
    assertThat(args.get(0)).isEqualTo("normalize");
    assertThat(args.get(args.indexOf("--bootstrap-servers") + 1)).isEqualTo(strimziBootstrap());
    String port = args.get(args.indexOf("--metrics-port") + 1);
    assertThat(port).isEqualTo(Integer.toString(NormalizeCommand.DEFAULT_METRICS_PORT));
    assertThat(pod.at("/spec/containers/0/ports").findValuesAsText("containerPort")).containsExactly(port);
    assertScrapeAnnotations(pod.get("metadata"), port);
    assertThat(normaliserDeployment().at("/spec/replicas").asInt()).isPositive();
  }

  static void assertScrapeAnnotations(JsonNode podMetadata, String port) {
    JsonNode a = podMetadata.get("annotations");
    assertThat(a.path("prometheus.io/scrape").asText()).isEqualTo("true");
    assertThat(a.path("prometheus.io/port").asText()).isEqualTo(port);
    assertThat(a.path("prometheus.io/path").asText()).isEqualTo("/metrics");
  }

  /** Container path → the PersistentVolumeClaim behind it, for the Flink pods' podTemplate. */
  static Map<String, String> flinkPodPvcMounts() throws Exception {
    JsonNode podSpec = flinkDeployment().at("/spec/podTemplate/spec");
    Map<String, String> claims = new LinkedHashMap<>();
    for (JsonNode v : podSpec.path("volumes")) {
      if (v.has("persistentVolumeClaim")) {
        claims.put(v.get("name").asText(), v.at("/persistentVolumeClaim/claimName").asText());
      }
    }
    Map<String, String> mounts = new LinkedHashMap<>();
    for (JsonNode c : podSpec.path("containers")) {
      // the operator merges only this container of a podTemplate into the JobManager and TaskManager pods
      assertThat(c.get("name").asText()).isEqualTo("flink-main-container");
      for (JsonNode m : c.path("volumeMounts")) {
        String claim = claims.get(m.get("name").asText());
        if (claim != null) {
          mounts.put(m.get("mountPath").asText(), claim);
        }
      }
    }
    return mounts;
  }

  /** The path of a file:// URI that lies under one of the mounts, or an assertion error. */
  static String mountedFile(String key, String uri, Set<String> mountPaths) {
    assertThat(uri).as(key).startsWith("file:///");
    String path = URI.create(uri).getPath();
    assertThat(mountPaths).as(key + " = " + uri + " lies under a mounted volume")
        .anySatisfy(m -> assertThat(Path.of(path).normalize().startsWith(Path.of(m))).isTrue());
    return path;
  }

  @Test
  void shouldKeepFlinkStateOnASharedVolumeWithKubernetesHa() throws Exception {
    Map<String, String> conf = flinkConfiguration();
    Map<String, String> mounts = flinkPodPvcMounts();
    assertThat(mounts).as("PersistentVolumeClaims mounted into the JobManager and TaskManagers").isNotEmpty();
    // every claim is defined here, and shared: JobManager and TaskManagers on any nodes use it at once
    for (String claim : new LinkedHashSet<>(mounts.values())) {
      JsonNode pvc = k8sObject("PersistentVolumeClaim", claim);
      assertThat(texts(pvc.at("/spec/accessModes"))).as(claim).containsExactly("ReadWriteMany");
    }
    // a new JobManager finds the job and its latest checkpoint: Kubernetes HA, its files on the volume
    assertThat(conf).containsEntry("high-availability.type", "kubernetes");
    mountedFile("high-availability.storageDir", conf.get("high-availability.storageDir"), mounts.keySet());
    // checkpoints and savepoints on the volume too; every *dir / *storageDir key, not only these
    assertThat(conf).containsKeys("execution.checkpointing.dir", "execution.checkpointing.savepoint-dir");
    for (var e : conf.entrySet()) {
      if (e.getKey().startsWith("execution.checkpointing.") && e.getKey().endsWith("dir")
          || e.getKey().startsWith("high-availability.") && e.getKey().endsWith("storageDir")) {
        mountedFile(e.getKey(), e.getValue(), mounts.keySet());
      }
    }
    // what the operator refuses a last-state upgrade without
    assertThat(flinkDeployment().at("/spec/job/upgradeMode").asText()).isEqualTo("last-state");
    // the pods' user owns the volume's files (the image's flink user, uid and gid 9999)
    assertThat(flinkDeployment().at("/spec/podTemplate/spec/securityContext/fsGroup").asInt()).isEqualTo(9999);
  }

  @Test
  void shouldLeaveParallelismAndCheckpointingToFlinksConfiguration() throws Exception {
    // job.yaml would override the cluster's settings: it must not set them
    JsonNode jobYaml = YAML.readTree(ROOT.resolve("docker/job.yaml").toFile());
    assertThat(jobYaml.has("parallelism")).as("parallelism in docker/job.yaml").isFalse();
    assertThat(jobYaml.has("checkpoints")).as("checkpoints: in docker/job.yaml").isFalse();
    // Kubernetes: spec.job.parallelism (the operator makes it parallelism.default) or the key itself
    Map<String, String> conf = flinkConfiguration();
    assertThat(flinkDeployment().at("/spec/job/parallelism").asInt() > 0 || conf.containsKey("parallelism.default"))
        .as("spec.job.parallelism or parallelism.default").isTrue();
    assertThat(conf).containsKeys("execution.checkpointing.interval", "execution.checkpointing.dir");
    // compose: the same keys, alike in JobManager and TaskManager
    Map<String, String> jm = flinkProperties("jobmanager");
    Map<String, String> tm = flinkProperties("taskmanager");
    assertThat(jm).containsKeys("parallelism.default", "execution.checkpointing.interval", "execution.checkpointing.dir");
    for (String key : jm.keySet()) {
      if (key.startsWith("execution.checkpointing.") || key.equals("parallelism.default")) {
        assertThat(tm).as("taskmanager FLINK_PROPERTIES").containsEntry(key, jm.get(key));
      }
    }
  }

  @Test
  void shouldNameEachDeploymentForItsKafkaTransactionalIds() throws Exception {
    // The job appends kubernetes.namespace and kubernetes.cluster-id (which the operator sets from
    // the FlinkDeployment) or else high-availability.cluster-id to its transactional id prefix.
    assertThat(flinkDeployment().at("/metadata/name").asText()).isNotBlank();
    assertThat(flinkConfiguration()).doesNotContainKeys("kubernetes.cluster-id", "kubernetes.namespace");
    assertThat(flinkProperties("jobmanager").get("high-availability.cluster-id"))
        .isNotBlank()
        .isNotEqualTo(flinkDeployment().at("/metadata/name").asText());
  }

  // ---- compose: the state volume ----------------------------------------------------------------

  /** Container path → named volume of a compose service. */
  static Map<String, String> composeNamedVolumes(String svc) throws Exception {
    Set<String> named = new LinkedHashSet<>();
    compose().path("volumes").fieldNames().forEachRemaining(named::add);
    Map<String, String> mounts = new LinkedHashMap<>();
    for (JsonNode v : service(svc).path("volumes")) {
      String[] parts = v.asText().split(":");
      if (named.contains(parts[0])) {
        mounts.put(parts[1], parts[0]);
      }
    }
    return mounts;
  }

  @Test
  void shouldKeepComposeCheckpointsOnAVolumeFlinkOwns() throws Exception {
    DockerfileDirs dirs = DockerfileDirs.read(ROOT.resolve("docker/Dockerfile"));
    for (String svc : List.of("jobmanager", "taskmanager")) {
      Map<String, String> mounts = composeNamedVolumes(svc);
      assertThat(mounts).as(svc + " named volumes").isNotEmpty();
      Map<String, String> props = flinkProperties(svc);
      assertThat(props).containsKey("execution.checkpointing.dir");
      for (var e : props.entrySet()) {
        if (e.getKey().startsWith("execution.checkpointing.") && e.getKey().endsWith("dir")) {
          mountedFile(svc + " " + e.getKey(), e.getValue(), mounts.keySet());
        }
      }
      // A fresh named volume takes the ownership of the image's directory it is mounted on: that
      // directory must exist in the image and belong to flink, which Flink runs as.
      for (String mount : mounts.keySet()) {
        assertThat(dirs.created).as("mkdir -p in docker/Dockerfile").anySatisfy(d ->
            assertThat(Path.of(d).startsWith(Path.of(mount))).isTrue());
        assertThat(dirs.ownedByFlink(mount)).as(mount + " chowned to flink:flink in docker/Dockerfile").isTrue();
      }
    }
  }

  @Test
  void shouldReadWhichDirectoriesTheDockerfileCreatesAndChowns(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("Dockerfile");
    Files.writeString(f, "FROM x\nRUN mkdir -p /a/b /c \\\n    && chown -R flink:flink /a\nRUN chown flink:flink /c\n");
    DockerfileDirs d = DockerfileDirs.read(f);
    assertThat(d.created).containsExactly("/a/b", "/c");
    assertThat(d.ownedByFlink("/a")).isTrue();
    assertThat(d.ownedByFlink("/a/b")).isTrue();
    assertThat(d.ownedByFlink("/c")).isTrue();
    Files.writeString(f, "FROM x\nRUN mkdir -p /a/b && chown flink:flink /a/b\nRUN chown root /c\n");
    d = DockerfileDirs.read(f);
    assertThat(d.ownedByFlink("/a")).isFalse();
    assertThat(d.ownedByFlink("/c")).isFalse();
  }

  /** What the RUN lines of a Dockerfile make with {@code mkdir -p} and give to flink with {@code chown}. */
  record DockerfileDirs(List<String> created, List<String> chownedRecursively, List<String> chowned) {

    static DockerfileDirs read(Path dockerfile) throws IOException {
      String text = Files.readString(dockerfile).replace("\\\n", " ");
      List<String> created = new ArrayList<>();
      List<String> recursive = new ArrayList<>();
      List<String> plain = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (!line.startsWith("RUN ")) {
          continue;
        }
        for (String cmd : line.substring(4).split("&&|;")) {
          List<String> w = new ArrayList<>(Arrays.asList(cmd.trim().split("\\s+")));
          if (w.size() > 2 && w.get(0).equals("mkdir") && w.get(1).equals("-p")) {
            created.addAll(w.subList(2, w.size()));
          } else if (w.size() > 2 && w.get(0).equals("chown")) {
            boolean r = w.remove("-R");
            if (w.get(1).equals("flink:flink")) {
              (r ? recursive : plain).addAll(w.subList(2, w.size()));
            }
          }
        }
      }
      return new DockerfileDirs(created, recursive, plain);
    }

    boolean ownedByFlink(String dir) {
      Path p = Path.of(dir);
      return chowned.contains(dir) || chownedRecursively.stream().anyMatch(r -> p.startsWith(Path.of(r)));
    }
  }

  // ---- Flink configuration keys -----------------------------------------------------------------

  /** Current and deprecated keys of every ConfigOption in flink-core's org.apache.flink.configuration. */
  record FlinkKeys(Set<String> current, Map<String, String> deprecated) {

    static FlinkKeys load() throws Exception {
      Set<String> current = new TreeSet<>();
      Map<String, String> deprecated = new LinkedHashMap<>();
      Path jar = Path.of(CheckpointingOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      try (JarFile jf = new JarFile(jar.toFile())) {
        for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements();) {
          String n = en.nextElement().getName();
          if (!n.startsWith("org/apache/flink/configuration/") || !n.endsWith(".class") || n.contains("$")
              || n.substring("org/apache/flink/configuration/".length()).contains("/")) {
            continue;
          }
          Class<?> c;
          try {
            c = Class.forName(n.replace('/', '.').replace(".class", ""), false, CheckpointingOptions.class.getClassLoader());
          } catch (Throwable t) {
            continue;
          }
          for (Field f : c.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && ConfigOption.class.isAssignableFrom(f.getType())) {
              f.setAccessible(true);
              ConfigOption<?> o = (ConfigOption<?>) f.get(null);
              current.add(o.key());
              for (FallbackKey k : o.fallbackKeys()) {
                if (k.isDeprecated()) {
                  deprecated.put(k.getKey(), o.key());
                }
              }
            }
          }
        }
      }
      deprecated.keySet().removeAll(current);
      return new FlinkKeys(current, deprecated);
    }
  }

  /** Prefixes whose every option lives in flink-core, so that an unknown key there is a mistake. */
  static final List<String> CORE_PREFIXES = List.of("execution.checkpointing.", "state.",
      "high-availability.", "restart-strategy.", "parallelism.", "taskmanager.numberOfTaskSlots");

  @Test
  void shouldUseFlink2ConfigurationKeysOnly() throws Exception {
    FlinkKeys keys = FlinkKeys.load();
    // what Flink 2 reads under a new name (and warns about, or in a later version ignores)
    assertThat(keys.deprecated()).containsEntry("state.checkpoints.dir", "execution.checkpointing.dir")
        .containsEntry("state.savepoints.dir", "execution.checkpointing.savepoint-dir")
        .containsEntry("state.backend", "state.backend.type")
        .containsEntry("high-availability", "high-availability.type");
    Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    configs.put("FlinkDeployment flinkConfiguration", flinkConfiguration());
    configs.put("compose jobmanager FLINK_PROPERTIES", flinkProperties("jobmanager"));
    configs.put("compose taskmanager FLINK_PROPERTIES", flinkProperties("taskmanager"));
    for (var c : configs.entrySet()) {
      for (String key : c.getValue().keySet()) {
        assertThat(keys.deprecated()).as(c.getKey() + ": " + key + " is a Flink 1.x key, its Flink 2 name is "
            + keys.deprecated().get(key)).doesNotContainKey(key);
        if (CORE_PREFIXES.stream().anyMatch(key::startsWith)) {
          assertThat(keys.current()).as(c.getKey() + ": a key Flink " + pomProperty("flink.version") + " has")
              .contains(key);
        }
      }
    }
  }

  // ---- schemas ----------------------------------------------------------------------------------

  @Test
  void shouldMatchTheSchemasOfTheirKindsEveryKubernetesManifest() throws Exception {
    ManifestSchemas schemas = ManifestSchemas.load();
    int checked = 0;
    for (Path f : k8sFiles()) {
      List<JsonNode> docs = readYamlDocuments(f);
      assertThat(docs).as(f.toString()).isNotEmpty();
      for (int i = 0; i < docs.size(); i++) {
        assertThat(schemas.errors(docs.get(i))).as(f.getFileName() + " document " + (i + 1)).isEmpty();
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(11);
  }

  @Test
  void shouldRejectManifestsThatBreakTheirSchemas() throws Exception {
    ManifestSchemas schemas = ManifestSchemas.load();
    // a Deployment: a misspelt field, a port by name where a number goes, no selector
    ObjectNode d = normaliserDeployment().deepCopy();
    ((ObjectNode) d.at("/spec/template/spec/containers/0")).set("volumeMount", JSON.createArrayNode());
    assertThat(schemas.errors(d)).anySatisfy(e -> assertThat(e).contains("volumeMount"));
    d = normaliserDeployment().deepCopy();
    ((ObjectNode) d.at("/spec/template/spec/containers/0/ports/0")).put("containerPort", "metrics");
    assertThat(schemas.errors(d)).anySatisfy(e -> assertThat(e).contains("containerPort"));
    d = normaliserDeployment().deepCopy();
    ((ObjectNode) d.get("spec")).remove("selector");
    assertThat(schemas.errors(d)).anySatisfy(e -> assertThat(e).contains("selector"));
    // a PersistentVolumeClaim with its access modes as one string
    ObjectNode pvc = k8sObject("PersistentVolumeClaim", null).deepCopy();
    ((ObjectNode) pvc.get("spec")).put("accessModes", "ReadWriteMany");
    assertThat(schemas.errors(pvc)).anySatisfy(e -> assertThat(e).contains("accessModes"));
    // a FlinkDeployment: a Flink version the operator does not know, an unknown upgrade mode, a
    // misspelt field in its pod template (the operator's CRD embeds the Pod schema), the wrong kind
    ObjectNode fd = flinkDeployment().deepCopy();
    ((ObjectNode) fd.get("spec")).put("flinkVersion", "v2_99");
    assertThat(schemas.errors(fd)).anySatisfy(e -> assertThat(e).contains("flinkVersion"));
    fd = flinkDeployment().deepCopy();
    ((ObjectNode) fd.at("/spec/job")).put("upgradeMode", "latest-state");
    assertThat(schemas.errors(fd)).anySatisfy(e -> assertThat(e).contains("upgradeMode"));
    fd = flinkDeployment().deepCopy();
    ((ObjectNode) fd.at("/spec/podTemplate/spec/containers/0")).set("volumeMount", JSON.createArrayNode());
    assertThat(schemas.errors(fd)).anySatisfy(e -> assertThat(e).contains("volumeMount"));
    fd = flinkDeployment().deepCopy();
    ((ObjectNode) fd.at("/spec/job")).put("parallelism", "four");
    assertThat(schemas.errors(fd)).anySatisfy(e -> assertThat(e).contains("parallelism"));
    // Strimzi: a topic's partitions as text, a node pool without storage, an apiVersion Strimzi 1.x no longer serves
    ObjectNode topic = k8sObject("KafkaTopic", "audio-raw").deepCopy();
    ((ObjectNode) topic.get("spec")).put("partitions", "twelve");
    assertThat(schemas.errors(topic)).anySatisfy(e -> assertThat(e).contains("partitions"));
    ObjectNode pool = k8sObject("KafkaNodePool", null).deepCopy();
    ((ObjectNode) pool.get("spec")).remove("storage");
    assertThat(schemas.errors(pool)).anySatisfy(e -> assertThat(e).contains("storage"));
    ObjectNode kafka = k8sObject("Kafka", null).deepCopy();
    kafka.put("apiVersion", "kafka.strimzi.io/v1beta2");
    assertThat(schemas.errors(kafka)).anySatisfy(e -> assertThat(e).contains("no schema"));
    // and the untouched originals pass
    assertThat(schemas.errors(normaliserDeployment())).isEmpty();
    assertThat(schemas.errors(flinkDeployment())).isEmpty();
  }

  /**
   * The schemas of src/test/resources/deployment-schemas (README.md there: sources, licenses,
   * extract.py), by apiVersion and kind, made strict as {@code kubectl apply} is (it refuses unknown
   * fields): every object schema that lists its properties allows no others, except where the
   * schema says to keep unknown fields.
   */
  static final class ManifestSchemas {

    static final String DIR = "/deployment-schemas/";
    static final String OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    final Map<String, Schema> byApiVersionAndKind = new LinkedHashMap<>();

    static ManifestSchemas load() throws IOException {
      ManifestSchemas s = new ManifestSchemas();
      ObjectNode definitions = (ObjectNode) read("kubernetes-definitions.json").get("definitions");
      strict(definitions);
      SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
      // Kubernetes' own kinds
      for (var e : definitions.properties()) {
        for (JsonNode gvk : e.getValue().path("x-kubernetes-group-version-kind")) {
          String group = gvk.get("group").asText();
          String apiVersion = (group.isEmpty() ? "" : group + "/") + gvk.get("version").asText();
          ObjectNode root = JSON.createObjectNode();
          ArrayNode allOf = root.putArray("allOf");
          allOf.addObject().put("$ref", "#/definitions/" + e.getKey());
          allOf.add(header(apiVersion, gvk.get("kind").asText()));
          root.set("definitions", definitions);
          s.byApiVersionAndKind.put(apiVersion + " " + gvk.get("kind").asText(), registry.getSchema(root));
        }
      }
      // custom resources: the served versions of each CRD, with Kubernetes' ObjectMeta for metadata
      for (String crd : List.of("flinkdeployments.flink.apache.org.json", "kafkas.kafka.strimzi.io.json",
          "kafkanodepools.kafka.strimzi.io.json", "kafkatopics.kafka.strimzi.io.json")) {
        JsonNode c = read(crd);
        for (var v : c.get("versions").properties()) {
          ObjectNode schema = (ObjectNode) v.getValue().deepCopy();
          // what every object has (a CRD's schema need not list it), metadata as Kubernetes checks it
          ObjectNode properties = (ObjectNode) schema.get("properties");
          properties.putObject("apiVersion").put("type", "string");
          properties.putObject("kind").put("type", "string");
          properties.putObject("metadata").put("$ref", "#/definitions/" + OBJECT_META);
          strict(schema);
          String apiVersion = c.get("group").asText() + "/" + v.getKey();
          String kind = c.get("kind").asText();
          ObjectNode root = JSON.createObjectNode();
          ArrayNode allOf = root.putArray("allOf");
          allOf.add(schema);
          allOf.add(header(apiVersion, kind));
          root.set("definitions", definitions);
          s.byApiVersionAndKind.put(apiVersion + " " + kind, registry.getSchema(root));
        }
      }
      return s;
    }

    static JsonNode read(String name) throws IOException {
      try (InputStream in = DeploymentFilesTest.class.getResourceAsStream(DIR + name)) {
        assertThat(in).as(DIR + name + " on the test classpath").isNotNull();
        return JSON.readTree(in);
      }
    }

    /** apiVersion and kind exactly these, metadata present. */
    static ObjectNode header(String apiVersion, String kind) {
      ObjectNode h = JSON.createObjectNode();
      h.putArray("required").add("apiVersion").add("kind").add("metadata");
      ObjectNode p = h.putObject("properties");
      p.putObject("apiVersion").putArray("enum").add(apiVersion);
      p.putObject("kind").putArray("enum").add(kind);
      return h;
    }

    static void strict(JsonNode node) {
      if (node instanceof ObjectNode o) {
        if (o.has("properties") && o.get("properties").isObject() && !o.has("additionalProperties")
            && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
          o.put("additionalProperties", false);
        }
        o.elements().forEachRemaining(ManifestSchemas::strict);
      } else if (node instanceof ArrayNode a) {
        a.elements().forEachRemaining(ManifestSchemas::strict);
      }
    }

    /** What is wrong with one manifest document, each as "path: message"; empty when it is valid. */
    List<String> errors(JsonNode doc) {
      String key = doc.path("apiVersion").asText() + " " + doc.path("kind").asText();
      Schema schema = byApiVersionAndKind.get(key);
      if (schema == null) {
        return List.of("no schema for " + key + " (known: " + byApiVersionAndKind.keySet() + ")");
      }
      return schema.validate(doc).stream().map(Error::toString).toList();
    }
  }

  // ---- the job jar ------------------------------------------------------------------------------

  /**
   * The job jar for a Flink cluster: ours, the connectors and their clients, Avro and ONNX Runtime,
   * and none of the Flink the cluster runs it on. app/pom.xml runs {@link #main} in the verify
   * phase on target/elasticast-job.jar (the tests run before package, so they test the check on
   * jars of their own).
   */
  public static final class JobJarCheck {

    /** Prefixes no entry of the job jar may start with: what lib/ of the Flink image holds. */
    static final List<String> FORBIDDEN = List.of(
        "org/apache/flink/runtime/",          // flink-runtime
        "org/apache/flink/api/common/",       // flink-core
        "org/apache/flink/configuration/",    // flink-core
        "org/apache/flink/streaming/api/",    // flink-streaming-java
        "org/apache/flink/client/",           // flink-clients
        "org/apache/flink/shaded/",           // flink-shaded-*
        "org/apache/flink/metrics/prometheus/", // plugins/metrics-prometheus
        "org/apache/flink/metrics/Metric",    // flink-metrics-core
        "org/slf4j/",                         // lib/log4j-slf4j-impl and flink-dist
        "org/apache/logging/log4j/",          // lib/log4j-*
        "org/rocksdb/");                      // Flink's own RocksDB, loaded parent-first
    /** Prefixes the job needs on a cluster, each with at least one class. */
    static final List<String> REQUIRED = List.of(
        "io/elasticast/app/ElasticAstJob.class",
        "io/elasticast/schemas/", "io/elasticast/featurizer/", "io/elasticast/inference/",
        "org/apache/flink/connector/kafka/", "org/apache/flink/connector/base/",
        "org/apache/flink/formats/avro/", "org/apache/kafka/clients/", "org/apache/avro/",
        "ai/onnxruntime/", "com/fasterxml/jackson/databind/");

    public static void main(String[] args) throws IOException {
      Path jar = Path.of(args[0]);
      List<String> problems = problems(jar);
      if (!problems.isEmpty()) {
        throw new IllegalStateException(jar + " is not a jar for a Flink cluster:\n  " + String.join("\n  ", problems));
      }
      System.out.println("[job jar] " + jar.getFileName() + ": " + Files.size(jar) / 1024 + " KiB, no Flink runtime inside");
    }

    static List<String> problems(Path jar) throws IOException {
      if (!Files.isRegularFile(jar)) {
        return List.of("missing (mvn package writes it)");
      }
      List<String> problems = new ArrayList<>();
      Map<String, String> forbidden = new LinkedHashMap<>();
      Set<String> present = new LinkedHashSet<>();
      String mainClass;
      try (JarFile jf = new JarFile(jar.toFile())) {
        for (Enumeration<JarEntry> en = jf.entries(); en.hasMoreElements();) {
          String n = en.nextElement().getName();
          if (!n.endsWith(".class")) {
            continue;
          }
          for (String f : FORBIDDEN) {
            if (n.startsWith(f)) {
              forbidden.putIfAbsent(f, n);
            }
          }
          for (String r : REQUIRED) {
            if (n.startsWith(r)) {
              present.add(r);
            }
          }
        }
        Manifest mf = jf.getManifest();
        mainClass = mf == null ? null : mf.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
      }
      forbidden.forEach((prefix, example) -> problems.add("holds " + prefix + " (e.g. " + example
          + "), which the Flink image already has"));
      for (String r : REQUIRED) {
        if (!present.contains(r)) {
          problems.add("lacks " + r);
        }
      }
      if (!ElasticAstJob.class.getName().equals(mainClass)) {
        problems.add("Main-Class is " + mainClass + ", not " + ElasticAstJob.class.getName());
      }
      return problems;
    }
  }

  static Path jar(Path dir, String name, String mainClass, String... entries) throws IOException {
    Path jar = dir.resolve(name);
    Manifest mf = new Manifest();
    mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    if (mainClass != null) {
      mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
    }
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, mf)) {
      for (String e : entries) {
        j.putNextEntry(new JarEntry(e));
        j.closeEntry();
      }
    }
    return jar;
  }

  @Test
  void shouldTellAJobJarFromOneThatBundlesFlink(@TempDir Path tmp) throws Exception {
    List<String> needed = new ArrayList<>();
    for (String r : JobJarCheck.REQUIRED) {
      needed.add(r.endsWith(".class") ? r : r + "X.class");
    }
    String job = ElasticAstJob.class.getName();
    assertThat(JobJarCheck.problems(jar(tmp, "good.jar", job, needed.toArray(String[]::new)))).isEmpty();
    List<String> withFlink = new ArrayList<>(needed);
    withFlink.add("org/apache/flink/runtime/jobgraph/JobGraph.class");
    withFlink.add("org/apache/flink/streaming/api/environment/StreamExecutionEnvironment.class");
    assertThat(JobJarCheck.problems(jar(tmp, "flink.jar", job, withFlink.toArray(String[]::new))))
        .hasSize(2).allSatisfy(p -> assertThat(p).startsWith("holds org/apache/flink/"));
    assertThat(JobJarCheck.problems(jar(tmp, "bare.jar", job, "io/elasticast/app/ElasticAstJob.class")))
        .anySatisfy(p -> assertThat(p).isEqualTo("lacks org/apache/flink/connector/kafka/"));
    assertThat(JobJarCheck.problems(jar(tmp, "cli.jar", ElasticAstCli.class.getName(), needed.toArray(String[]::new))))
        .singleElement().satisfies(p -> assertThat(p).startsWith("Main-Class is"));
    assertThat(JobJarCheck.problems(tmp.resolve("none.jar"))).singleElement().satisfies(p -> assertThat(p).startsWith("missing"));
  }

  /** groupId:artifactId patterns of the job jar's artifactSet excludes, in app/pom.xml. */
  static List<String> jobJarExcludes() throws Exception {
    var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("app/pom.xml").toFile());
    NodeList executions = doc.getElementsByTagName("execution");
    List<String> ids = new ArrayList<>();
    List<String> excludes = new ArrayList<>();
    for (int i = 0; i < executions.getLength(); i++) {
      Element ex = (Element) executions.item(i);
      if (!((Element) ex.getParentNode().getParentNode()).getElementsByTagName("artifactId").item(0)
          .getTextContent().equals("maven-shade-plugin")) {
        continue;
      }
      boolean job = ex.getElementsByTagName("outputFile").getLength() > 0;
      ids.add(job ? "job" : "cli");
      if (job) {
        NodeList set = ((Element) ex.getElementsByTagName("artifactSet").item(0)).getElementsByTagName("exclude");
        for (int k = 0; k < set.getLength(); k++) {
          excludes.add(set.item(k).getTextContent().trim());
        }
      }
    }
    // the job jar must be shaded from the plain module jar, before the CLI execution replaces it
    assertThat(ids).as("shade executions in app/pom.xml, in order").containsExactly("job", "cli");
    return excludes;
  }

  static boolean matches(String pattern, String artifact) {
    return artifact.matches(Arrays.stream(pattern.split("\\*", -1)).map(Pattern::quote).collect(Collectors.joining(".*")));
  }

  @Test
  void shouldLeaveFlinkOutOfTheJobJarAndKeepTheConnectors() throws Exception {
    List<String> excludes = jobJarExcludes();
    for (String a : List.of("org.apache.flink:flink-core", "org.apache.flink:flink-runtime",
        "org.apache.flink:flink-streaming-java", "org.apache.flink:flink-clients",
        "org.apache.flink:flink-runtime-web", "org.apache.flink:flink-rpc-core",
        "org.apache.flink:flink-rpc-akka-loader", "org.apache.flink:flink-shaded-guava",
        "org.apache.flink:flink-metrics-core", "org.apache.flink:flink-metrics-prometheus",
        "org.slf4j:slf4j-api", "org.apache.logging.log4j:log4j-core")) {
      assertThat(excludes).as(a + " left out of the job jar").anySatisfy(p -> assertThat(matches(p, a)).isTrue());
    }
    for (String a : List.of("org.apache.flink:flink-connector-kafka", "org.apache.flink:flink-connector-base",
        "org.apache.flink:flink-avro", "org.apache.kafka:kafka-clients", "org.apache.avro:avro",
        "com.microsoft.onnxruntime:onnxruntime", "io.elasticast:inference-operator",
        "io.elasticast:featurizer-operator", "io.elasticast:schemas", "com.fasterxml.jackson.core:jackson-databind")) {
      assertThat(excludes).as(a + " kept in the job jar").noneSatisfy(p -> assertThat(matches(p, a)).isTrue());
    }
  }

  // ---- metrics: Prometheus and Grafana ---------------------------------------------------------

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

  @Test
  void shouldServeFlinksMetricsOnThePortTheKubernetesPodsDeclare() throws Exception {
    String port = JobConfig.defaults().metrics.prometheusPort;
    Map<String, String> conf = flinkConfiguration();
    assertThat(conf).containsEntry(FlinkPrometheus.FACTORY_KEY, FlinkPrometheus.FACTORY)
        .containsEntry(FlinkPrometheus.PORT_KEY, port);
    JsonNode template = flinkDeployment().at("/spec/podTemplate");
    assertScrapeAnnotations(template.get("metadata"), port);
    assertThat(template.at("/spec/containers/0/ports").findValuesAsText("containerPort")).containsExactly(port);
  }
}
