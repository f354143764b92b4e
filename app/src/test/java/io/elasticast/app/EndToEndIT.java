package io.elasticast.app;

/** The end-to-end contract on the embedded broker: runs everywhere, CI included. */
class EndToEndIT extends EndToEndContract {

  @Override
  LocalPipeline startPipeline() {
    return LocalPipeline.startBroker();
  }
}
