package io.elasticast.schemas;

import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Conversion;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * The Avro data model every reader of ours uses: it loads only this package's generated classes.
 * A schema naming a record, enum or fixed of any other package is refused rather than resolved
 * through the class loader, and the datum readers it creates trust no package for {@code
 * java-class} properties but this one (Avro's default trusts {@code java.io} and {@code
 * java.net}, among others).
 */
public final class OwnPackageData extends SpecificData {

  /** The one package whose classes Avro may instantiate for our records. */
  public static final String PACKAGE = OwnPackageData.class.getPackageName();

  /** A model for {@code type}, with the conversions its generated code registered. */
  public static OwnPackageData forClass(Class<? extends SpecificRecord> type) {
    requireOwnPackage(type.getName());
    OwnPackageData model = new OwnPackageData(type.getClassLoader());
    for (Conversion<?> conversion : SpecificData.getForClass(type).getConversions()) {
      model.addLogicalTypeConversion(conversion);
    }
    return model;
  }

  private OwnPackageData(ClassLoader classLoader) {
    super(classLoader);
  }

  @Override
  public Class getClass(Schema schema) {
    switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> requireOwnPackage(schema.getFullName());
      default -> { }
    }
    return super.getClass(schema);
  }

  @Override
  public DatumReader createDatumReader(Schema writer, Schema reader) {
    SpecificDatumReader<?> datumReader = new SpecificDatumReader<>(writer, reader, this);
    restrictToOwnPackage(datumReader.getTrustedPackages());
    datumReader.getTrustedClasses().clear();
    return datumReader;
  }

  @Override
  public DatumReader createDatumReader(Schema schema) {
    return createDatumReader(schema, schema);
  }

  private static void restrictToOwnPackage(List<String> trustedPackages) {
    trustedPackages.clear();
    trustedPackages.add(PACKAGE + ".");
  }

  static void requireOwnPackage(String className) {
    if (!className.startsWith(PACKAGE + ".")) {
      throw new AvroRuntimeException("refusing to read " + className + ": only records of "
          + PACKAGE + " are read");
    }
  }
}
