/// Placeholder until the UI lands.
public enum ConvtopUIInfo {}
