using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Rcnn.Tests.Shared;

/// <summary>
/// Finds TorchSharp Scalars that can be finalized while native code still reads them. A Scalar is a bare native
/// handle with a finalizer and no dispose-scope tracking: one created as a temporary (<c>t * 0.5</c>, <c>a + b</c>,
/// which calls <c>add(b, 1)</c>) is unreachable once its handle is loaded, so a GC on another thread can free it
/// mid-call. Safe forms: a Scalar held in a static field, or in a local that the method disposes (<c>using var</c>).
/// The audit reads IL, so it sees what the compiler made of operators and default arguments.
/// </summary>
public static class ScalarLifetimeAudit
{
    private const string ScalarType = "TorchSharp.Scalar";

    /// <summary>TorchSharp methods that make a temporary Scalar themselves, directly or through one another.</summary>
    public static HashSet<string> UnsafeTorchSharpMethods(string torchSharpPath)
    {
        using var torch = AssemblyDefinition.ReadAssembly(torchSharpPath);
        var methods = AllMethods(torch.MainModule).ToList();
        var unsafeSet = methods.Where(m => TemporaryScalars(m).Any()).Select(Key).ToHashSet();
        var callers = new Dictionary<string, List<string>>();
        foreach (var m in methods)
            foreach (var callee in Calls(m))
            {
                var key = Key(callee);
                if (!callers.TryGetValue(key, out var list))
                    callers[key] = list = [];
                list.Add(Key(m));
            }
        var work = new Queue<string>(unsafeSet);
        while (work.Count > 0)
            if (callers.TryGetValue(work.Dequeue(), out var list))
                foreach (var caller in list)
                    if (unsafeSet.Add(caller))
                        work.Enqueue(caller);
        // forward() and step() are reached through virtual calls the call graph cannot follow, so making such a
        // module or optimizer is itself the unsafe use.
        foreach (var m in methods)
            if (m.IsVirtual && m.Name is "forward" or "step" && unsafeSet.Contains(Key(m)))
                unsafeSet.Add(TypeKey(m.DeclaringType));
        return unsafeSet;
    }

    /// <summary>Every unsafe use in <paramref name="assemblyPath"/>, as "Type.Method (file:line): what".</summary>
    public static List<string> Audit(string assemblyPath, HashSet<string> unsafeTorchSharp)
    {
        var hasSymbols = File.Exists(Path.ChangeExtension(assemblyPath, ".pdb"));
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath, new ReaderParameters { ReadSymbols = hasSymbols });
        var findings = new List<string>();
        foreach (var method in AllMethods(assembly.MainModule))
        {
            foreach (var at in TemporaryScalars(method))
                findings.Add($"{Where(method, at)}: temporary Scalar from {((MethodReference)at.Operand).Name}");
            foreach (var at in method.Body.Instructions)
                if (at.OpCode.FlowControl == FlowControl.Call && at.Operand is MethodReference callee
                    && callee.DeclaringType.Scope.Name.StartsWith("TorchSharp", StringComparison.Ordinal)
                    && unsafeTorchSharp.Contains(Key(callee)))
                    findings.Add($"{Where(method, at)}: calls {callee.DeclaringType.Name}.{callee.Name}, which makes a temporary Scalar");
                else if ((at.OpCode.FlowControl == FlowControl.Call || at.OpCode == OpCodes.Newobj) && at.Operand is MethodReference made
                         && (at.OpCode == OpCodes.Newobj ? made.DeclaringType : made.ReturnType) is { } type
                         && unsafeTorchSharp.Contains(TypeKey(type)))
                    findings.Add($"{Where(method, at)}: makes a {type.Name}, whose forward/step makes temporary Scalars");
        }
        return findings;
    }

    private static IEnumerable<MethodDefinition> AllMethods(ModuleDefinition module) =>
        module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody);

    // ldftn counts as a call: a lambda's body runs on behalf of the method that makes the delegate.
    private static IEnumerable<MethodReference> Calls(MethodDefinition m) =>
        m.Body.Instructions.Where(i => i.OpCode.FlowControl == FlowControl.Call || i.OpCode == OpCodes.Newobj
                                       || i.OpCode == OpCodes.Ldftn || i.OpCode == OpCodes.Ldvirtftn)
            .Select(i => i.Operand).OfType<MethodReference>();

    // A Scalar is made by a call returning one (op_Implicit, ToScalar) or by its constructor; it is kept alive only
    // when stored in a static field or in a local the method later disposes.
    private static IEnumerable<Instruction> TemporaryScalars(MethodDefinition m)
    {
        var body = m.Body;
        foreach (var i in body.Instructions)
        {
            if (i.Operand is not MethodReference r)
                continue;
            var makes = (i.OpCode.FlowControl == FlowControl.Call && r.ReturnType.FullName == ScalarType
                            && (r.Name is "op_Implicit" or "ToScalar"))
                        || (i.OpCode == OpCodes.Newobj && r.DeclaringType.FullName == ScalarType);
            if (!makes)
                continue;
            var next = i.Next;
            // Returned Scalars (op_Implicit itself, factories) are the caller's to keep.
            if (next.OpCode == OpCodes.Stsfld || next.OpCode == OpCodes.Ret)
                continue;
            if (StoredLocal(next, body) is { } local && DisposesLocal(body, local))
                continue;
            yield return i;
        }
    }

    private static VariableDefinition? StoredLocal(Instruction i, MethodBody body)
    {
        if (i.Operand is VariableDefinition v && (i.OpCode == OpCodes.Stloc || i.OpCode == OpCodes.Stloc_S))
            return v;
        int index = i.OpCode.Code switch
        {
            Code.Stloc_0 => 0, Code.Stloc_1 => 1, Code.Stloc_2 => 2, Code.Stloc_3 => 3, _ => -1,
        };
        return index >= 0 ? body.Variables[index] : null;
    }

    private static bool DisposesLocal(MethodBody body, VariableDefinition local)
    {
        foreach (var i in body.Instructions)
            if (i.Operand is MethodReference { Name: "Dispose" } && i.Previous is { } load && LoadedLocal(load, body) == local)
                return true;
        return false;
    }

    private static VariableDefinition? LoadedLocal(Instruction i, MethodBody body)
    {
        if (i.Operand is VariableDefinition v && (i.OpCode == OpCodes.Ldloc || i.OpCode == OpCodes.Ldloc_S))
            return v;
        int index = i.OpCode.Code switch
        {
            Code.Ldloc_0 => 0, Code.Ldloc_1 => 1, Code.Ldloc_2 => 2, Code.Ldloc_3 => 3, _ => -1,
        };
        return index >= 0 ? body.Variables[index] : null;
    }

    private static string Key(MethodReference m) => m.FullName;

    private static string TypeKey(TypeReference t) => "type " + t.FullName;

    private static string Where(MethodDefinition m, Instruction at)
    {
        var point = m.DebugInformation.HasSequencePoints
            ? m.DebugInformation.SequencePoints.LastOrDefault(p => p.Offset <= at.Offset && !p.IsHidden)
            : null;
        var source = point is null ? $"IL_{at.Offset:x4}" : $"{Path.GetFileName(point.Document.Url)}:{point.StartLine}";
        return $"{m.DeclaringType.FullName}.{m.Name} ({source})";
    }
}
