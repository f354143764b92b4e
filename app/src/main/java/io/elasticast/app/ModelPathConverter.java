package io.elasticast.app;

import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;

/** A {@code --model} value, found from any directory like the job's model dir (see {@link JobConfig#resolveAgainstHome}). */
final class ModelPathConverter implements ITypeConverter<Path> {

  @Override
  public Path convert(String value) {
    return JobConfig.resolveAgainstHome(Path.of(value));
  }
}
