// The help text of `aether artifacts` (kept apart: the CLI prints it without loading the command).
export const ARTIFACTS_USAGE = `Usage: aether artifacts list JOB [options]
       aether artifacts get JOB NAME [-o FILE] [options]

Lists or fetches the files a cluster RpaJob's download steps stored.

Options:
  -n, --namespace NS     the RpaJob's namespace (default: the kubeconfig context's, else default)
      --kubeconfig FILE  the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
      --database-url URL the PostgreSQL the robots use (default: AETHER_DATABASE_URL)
  -o, --output FILE      where get writes the file (default: ./NAME; - for stdout)`;
