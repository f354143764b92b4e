package io.elasticast.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ./elasticast} entry point: one subcommand per user task. */
@Command(
    name = "elasticast",
    mixinStandardHelpOptions = true,
    version = "ElasticAST Stream 0.1.0",
    description = "Classify many live audio feeds with an any-length, any-resolution audio transformer.",
    subcommands = {
      BrokerCommand.class,
      DemoCommand.class,
      JobCommand.class,
      IngestCommand.class,
      NormalizeCommand.class,
      FeaturesCommand.class,
      ClassifyCommand.class,
      BenchCommand.class,
      ImportCheckpointCommand.class,
      ClusterCommand.class,
      WatchCommand.class,
    })
public final class ElasticAstCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, shared by main and the CLI tests. */
  public static CommandLine commandLine() {
    return new CommandLine(new ElasticAstCli());
  }
}
