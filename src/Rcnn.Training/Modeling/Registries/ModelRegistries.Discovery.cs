using System.Reflection;

namespace Rcnn.Training.Modeling;

public sealed partial class ModelRegistries
{
    private readonly HashSet<Assembly> scanned = [];
    private readonly List<Exception> pendingErrors = [];

    /// <summary>Registers every <see cref="RegisterModuleAttribute"/> class of the loaded assemblies now, and of each
    /// assembly loaded from then on (AppDomain.AssemblyLoad), optionally only those <paramref name="filter"/> accepts.
    /// Errors in assemblies loaded later (a duplicate name, a missing FromConfig) surface on the next registry use.
    /// Dispose the result to stop watching.</summary>
    public IDisposable WatchAssemblies(Func<Assembly, bool>? filter = null)
    {
        var domain = AppDomain.CurrentDomain;
        AssemblyLoadEventHandler handler = (_, e) =>
        {
            if (filter != null && !filter(e.LoadedAssembly)) return;
            try { RegisterAssembly(e.LoadedAssembly); }
            catch (Exception ex) { lock (pendingErrors) pendingErrors.Add(ex); }
        };
        // Subscribe first so that nothing loaded during the scan is missed; RegisterAssembly skips repeats.
        domain.AssemblyLoad += handler;
        foreach (var asm in domain.GetAssemblies())
            if (filter == null || filter(asm)) RegisterAssembly(asm);
        return new Unsubscriber(() => domain.AssemblyLoad -= handler);
    }

    /// <summary>Registers the attributed classes of one assembly (once; a second call does nothing).</summary>
    public void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        lock (scanned)
        {
            if (!scanned.Add(assembly) || !MayRegister(assembly)) return;
        }
        foreach (var type in LoadableTypes(assembly))
            foreach (var attr in type.GetCustomAttributes<RegisterModuleAttribute>(inherit: false))
                this[attr.Registry].RegisterType(attr.Name ?? type.Name, type);
    }

    private void ThrowPendingErrors()
    {
        Exception[] errors;
        lock (pendingErrors)
        {
            if (pendingErrors.Count == 0) return;
            errors = [.. pendingErrors];
            pendingErrors.Clear();
        }
        throw errors.Length == 1
            ? new InvalidOperationException($"Registering modules of a loaded assembly failed: {errors[0].Message}", errors[0])
            : new AggregateException("Registering modules of loaded assemblies failed.", errors);
    }

    // Only this library and assemblies that reference it can carry the attribute; skip the rest cheaply.
    private static bool MayRegister(Assembly assembly)
    {
        if (assembly.IsDynamic) return false;
        var self = typeof(RegisterModuleAttribute).Assembly;
        if (assembly == self) return true;
        string selfName = self.GetName().Name!;
        return assembly.GetReferencedAssemblies().Any(r => r.Name == selfName);
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try { return assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t != null)!; }
    }

    private sealed class Unsubscriber(Action undo) : IDisposable
    {
        private Action? undo = undo;
        public void Dispose() => Interlocked.Exchange(ref this.undo, null)?.Invoke();
    }
}
