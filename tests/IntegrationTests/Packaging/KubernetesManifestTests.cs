using k8s;
using k8s.Models;
using WorkflowRuntime.IntegrationTests.Support;

namespace WorkflowRuntime.IntegrationTests.Packaging;

/// <summary>
/// deploy/k8s validates without a cluster, two ways: against the Kubernetes OpenAPI schemas and the ServiceMonitor
/// CRD schema (deploy/k8s/validation, node + kubernetes-models: types, required fields, enums, formats), and by a
/// strict typed parse (KubernetesClient: a field the API does not know fails, as kubectl's strict validation does).
/// Then the settings that the image and the security configuration depend on.
/// </summary>
public sealed class KubernetesManifestTests
{
    private const string ValidationDirectory = "deploy/k8s/validation";
    private static readonly Lazy<Task> NpmInstall = new(InstallValidatorAsync);

    private static IEnumerable<string> ManifestFiles =>
        Directory.GetFiles(RepositoryFiles.PathOf("deploy/k8s"), "*.yaml").Order(StringComparer.Ordinal);

    [Fact]
    public async Task Every_manifest_validates_against_the_Kubernetes_and_ServiceMonitor_schemas()
    {
        var (exitCode, output) = await ValidateAsync(ManifestFiles);

        Assert.True(exitCode == 0, output);
        foreach (var kind in new[] { "Deployment/workflow-runtime", "Job/workflow-runtime-migrate", "NetworkPolicy/workflow-runtime",
                     "ServiceMonitor/workflow-runtime", "Service/workflow-runtime", "Secret/workflow-runtime-tls" })
        {
            Assert.Contains($" {kind}", output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("invalid ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_with_a_wrong_field_type_fails_schema_validation()
    {
        var broken = RepositoryFiles.ReadAllText("deploy/k8s/deployment.yaml")
            .Replace("replicas: 3", "replicas: three", StringComparison.Ordinal)
            .Replace("containerPort: 50051", "containerPort: \"fifty\"", StringComparison.Ordinal);
        var monitor = RepositoryFiles.ReadAllText("deploy/k8s/servicemonitor.yaml")
            .Replace("- port: http", "- port: 8080", StringComparison.Ordinal);

        var (exitCode, output) = await ValidateTempAsync(broken, monitor);

        Assert.Equal(1, exitCode);
        Assert.Contains("/spec/replicas must be integer", output, StringComparison.Ordinal);
        Assert.Contains("/ports/0/containerPort must be integer", output, StringComparison.Ordinal);
        Assert.Contains("/spec/endpoints/0/port must be string", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kind_without_a_schema_fails_validation_instead_of_passing_unchecked()
    {
        var (exitCode, output) = await ValidateTempAsync("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");

        Assert.Equal(1, exitCode);
        Assert.Contains("no schema for apiVersion example.com/v1, kind Widget", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_built_in_manifest_parses_strictly_into_the_typed_Kubernetes_models()
    {
        foreach (var file in ManifestFiles.Where(f => !f.EndsWith("servicemonitor.yaml", StringComparison.Ordinal)))
        {
            var objects = LoadStrict(File.ReadAllText(file));
            Assert.True(objects.Count > 0, $"{file} holds no Kubernetes object");
        }
    }

    [Fact]
    public void A_manifest_with_an_unknown_field_fails_the_strict_parse()
    {
        var broken = RepositoryFiles.ReadAllText("deploy/k8s/deployment.yaml")
            .Replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: true\n            readOnlyRootFileSystem: true", StringComparison.Ordinal);

        var error = Assert.ThrowsAny<Exception>(() => LoadStrict(broken));

        Assert.Contains("readOnlyRootFileSystem", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployment_runs_the_image_user_non_root_on_a_read_only_root_with_no_capabilities()
    {
        var deployment = Single<V1Deployment>("deployment.yaml");
        var pod = deployment.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal(ImageUser(), pod.SecurityContext.RunAsUser);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal("/tmp", container.VolumeMounts.Single(m => m.Name == "tmp").MountPath);
        Assert.NotNull(pod.Volumes.Single(v => v.Name == "tmp").EmptyDir);
        Assert.Equal([50051, 8080], container.Ports.Select(p => p.ContainerPort));

        var job = Single<V1Job>("job-migrate.yaml").Spec.Template.Spec;
        Assert.Equal(ImageUser(), job.SecurityContext.RunAsUser);
        Assert.Equal(["migrate"], job.Containers.Single().Args);
        Assert.Equal(container.Image, job.Containers.Single().Image);
    }

    [Fact]
    public void The_tls_and_api_key_secrets_are_mounted_where_the_security_settings_point()
    {
        var container = Single<V1Deployment>("deployment.yaml").Spec.Template.Spec.Containers.Single();
        var settings = Single<V1ConfigMap>("configmap.yaml").Data;
        var mounts = container.VolumeMounts.ToDictionary(m => m.Name, m => m);

        Assert.Equal("/etc/workflow-runtime/tls", mounts["tls"].MountPath);
        Assert.Equal("/etc/workflow-runtime/api-keys", mounts["api-keys"].MountPath);
        Assert.All(new[] { mounts["tls"], mounts["api-keys"] }, m => Assert.True(m.ReadOnlyProperty));
        Assert.Equal("/etc/workflow-runtime/tls/tls.crt", settings["WorkflowRuntime__Security__Tls__CertificatePath"]);
        Assert.Equal("/etc/workflow-runtime/tls/tls.key", settings["WorkflowRuntime__Security__Tls__KeyPath"]);
        Assert.Equal("/etc/workflow-runtime/tls/ca.crt", settings["WorkflowRuntime__Security__Tls__ClientCaPath"]);
        Assert.Equal("/etc/workflow-runtime/api-keys/api-keys.json", settings["WorkflowRuntime__Security__ApiKeysPath"]);
        Assert.DoesNotContain("WorkflowRuntime__Security__AllowInsecure", settings.Keys);

        var tls = Single<V1Secret>("secret-tls.example.yaml");
        Assert.Equal(tls.Metadata.Name, Single<V1Deployment>("deployment.yaml").Spec.Template.Spec.Volumes.Single(v => v.Name == "tls").Secret.SecretName);
        Assert.Equal(["ca.crt", "tls.crt", "tls.key"], tls.StringData.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("api-keys.json", Single<V1Secret>("secret-api-keys.example.yaml").StringData.Keys);
    }

    [Fact]
    public void The_network_policy_lets_only_the_gateway_reach_grpc_and_only_monitoring_reach_http()
    {
        var policy = Single<V1NetworkPolicy>("networkpolicy.yaml").Spec;

        Assert.Equal(["Ingress"], policy.PolicyTypes);
        Assert.Equal(Single<V1Deployment>("deployment.yaml").Spec.Selector.MatchLabels, policy.PodSelector.MatchLabels);
        var rules = policy.Ingress.Select(rule => (
            Namespace: Assert.Single(Assert.Single(rule.FromProperty).NamespaceSelector.MatchLabels).Value,
            Port: Assert.Single(rule.Ports).Port.Value)).ToList();
        Assert.Equal([("api-gateway", "50051"), ("monitoring", "8080")], rules);
    }

    private static async Task<(int ExitCode, string Output)> ValidateAsync(IEnumerable<string> files)
    {
        await NpmInstall.Value;
        return await ChildProcess.RunAsync("node", ["validate-manifests.mjs", .. files], TimeSpan.FromSeconds(60),
            RepositoryFiles.PathOf(ValidationDirectory));
    }

    /// <summary>npm ci once per test run (the lock file pins the schema packages); a few seconds.</summary>
    private static async Task InstallValidatorAsync()
    {
        var (exitCode, output) = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
            TimeSpan.FromMinutes(4), RepositoryFiles.PathOf(ValidationDirectory));
        Assert.True(exitCode == 0, $"npm ci in {ValidationDirectory} failed:\n{output}");
    }

    /// <summary>Every document, strictly; the ServiceMonitor (a CRD the typed models do not have) is left to the schema check.</summary>
    private static List<object> LoadStrict(string yaml)
    {
        var documents = yaml.Split(["\n---"], StringSplitOptions.RemoveEmptyEntries)
            .Where(doc => !doc.Contains("apiVersion: monitoring.coreos.com/", StringComparison.Ordinal));
        return [.. documents.SelectMany(doc => KubernetesYaml.LoadAllFromString(doc, strict: true))];
    }

    private static T Single<T>(string file) => Assert.IsType<T>(Assert.Single(LoadStrict(RepositoryFiles.ReadAllText($"deploy/k8s/{file}"))));

    /// <summary>The uid of the Dockerfile's USER line (the manifests must run the image as that user).</summary>
    private static long ImageUser()
    {
        var user = RepositoryFiles.ReadAllText("Dockerfile").Split('\n').Single(line => line.StartsWith("USER ", StringComparison.Ordinal));
        return long.Parse(user["USER ".Length..].Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Validates each text as a manifest file of its own (written to a temporary file, removed afterwards).</summary>
    private static async Task<(int ExitCode, string Output)> ValidateTempAsync(params string[] manifests)
    {
        var paths = manifests.Select(_ => Path.Combine(Path.GetTempPath(), $"wr-manifest-{Guid.NewGuid():N}.yaml")).ToList();
        try
        {
            foreach (var (path, content) in paths.Zip(manifests))
            {
                await File.WriteAllTextAsync(path, content);
            }

            return await ValidateAsync(paths);
        }
        finally
        {
            paths.ForEach(File.Delete);
        }
    }
}
