namespace Rcnn.Onnx.Export;

/// <summary>Dotted module paths as in state-dict keys (bottom_up.res2.0.conv1), used for node names and errors.</summary>
internal static class ExportPath
{
    public static string Join(string path, string child) => path.Length == 0 ? child : $"{path}.{child}";

    public static string Node(string path, string op) => path.Length == 0 ? op : $"{path}/{op}";

    public static NotSupportedException Unsupported(string path, object module) => new(
        $"Cannot export module '{(path.Length == 0 ? "<root>" : path)}' of type {module.GetType().FullName} to ONNX: " +
        "there is no ONNX exporter for this module type.");
}
