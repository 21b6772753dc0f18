using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Rcnn.MLNet.Host;

/// <summary>
/// The MLContext behind a catalog. ML.NET keeps it behind the internal IInternalCatalog interface, which outside
/// assemblies can reach only by reflection; we need it for mlContext.Log (channels). When a future ML.NET moves it,
/// this returns null and training still runs, logging only to the IProgress callback.
/// </summary>
internal static class CatalogEnvironment
{
    public static IHostEnvironment? TryGet(TransformsCatalog catalog)
    {
        try
        {
            var contract = typeof(TransformsCatalog).GetInterfaces().FirstOrDefault(i => i.Name == "IInternalCatalog");
            if (contract?.GetProperty("Environment")?.GetValue(catalog) is IHostEnvironment viaInterface) return viaInterface;
            return typeof(TransformsCatalog).GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
                .Where(f => typeof(IHostEnvironment).IsAssignableFrom(f.FieldType))
                .Select(f => f.GetValue(catalog))
                .OfType<IHostEnvironment>()
                .FirstOrDefault();
        }
        catch (Exception e) when (e is TargetException or MemberAccessException or InvalidOperationException)
        {
            return null;
        }
    }
}
