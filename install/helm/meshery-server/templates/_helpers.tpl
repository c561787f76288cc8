{{/* Names and labels. */}}
{{- define "meshery-server.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "meshery-server.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "meshery-server.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meshery-server.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "meshery-server.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "meshery-server.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "meshery-server.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "meshery-server.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* "true" when the in-chart PostgreSQL runs: enabled and no external database given. */}}
{{- define "meshery-server.postgresql.enabled" -}}
{{- if and .Values.postgresql.enabled (not .Values.database.url) (not .Values.database.existingSecret) -}}true{{- end -}}
{{- end -}}

{{/* "true" when the in-chart NATS runs: enabled and no external URL given. */}}
{{- define "meshery-server.nats.enabled" -}}
{{- if and .Values.nats.enabled (not .Values.nats.url) -}}true{{- end -}}
{{- end -}}

{{- define "meshery-server.natsUrl" -}}
{{- if .Values.nats.url -}}
{{- .Values.nats.url -}}
{{- else if include "meshery-server.nats.enabled" . -}}
{{- printf "nats://%s-nats:4222" (include "meshery-server.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Replicas share state only through one database and one bus: refuse a render that would split it. */}}
{{- define "meshery-server.validate" -}}
{{- if gt (int .Values.replicas) 1 -}}
{{- if not (or .Values.database.url .Values.database.existingSecret (include "meshery-server.postgresql.enabled" .)) -}}
{{- fail "replicas > 1 needs a shared database: set database.url or database.existingSecret, or postgresql.enabled" -}}
{{- end -}}
{{- if not (include "meshery-server.natsUrl" .) -}}
{{- fail "replicas > 1 needs NATS: set nats.url or nats.enabled" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap's data: one key per variable of meshery/config.py except DATABASE_URL. */}}
{{- define "meshery-server.configData" -}}
{{- $c := .Values.config -}}
PORT: {{ $c.port | toString | quote }}
HOST: {{ $c.host | quote }}
DEBUG: {{ $c.debug | toString | quote }}
LOG_LEVEL: {{ $c.logLevel | toString | quote }}
PROVIDER: {{ $c.provider | quote }}
PROVIDER_BASE_URLS: {{ join "," $c.providerBaseUrls | quote }}
PROVIDER_CAPABILITIES_FILEPATH: {{ $c.providerCapabilitiesFilepath | quote }}
ADAPTER_URLS: {{ join "," $c.adapterUrls | quote }}
ADAPTER_LOOPBACK_ONLY: {{ $c.adapterLoopbackOnly | toString | quote }}
KEYS_PATH: {{ $c.keysPath | quote }}
SKIP_COMP_GEN: {{ $c.skipCompGen | toString | quote }}
DISABLE_OPERATOR: {{ $c.disableOperator | toString | quote }}
PLAYGROUND: {{ $c.playground | toString | quote }}
REGISTER_STATIC_K8S: {{ $c.registerStaticK8s | toString | quote }}
OTEL_CONFIG: {{ $c.otelConfig | quote }}
NATS_URL: {{ include "meshery-server.natsUrl" . | quote }}
USER_DATA_FOLDER: {{ $c.userDataFolder | quote }}
KUBECONFIG_FOLDER: {{ $c.kubeconfigFolder | quote }}
MESHERY_MODELS_PATH: {{ join ":" $c.mesheryModelsPath | quote }}
BUILD: {{ $c.build | quote }}
COMMITSHA: {{ $c.commitsha | quote }}
RELEASE_CHANNEL: {{ $c.releaseChannel | quote }}
LATEST_VERSION: {{ $c.latestVersion | quote }}
OS: {{ $c.os | quote }}
MESHERY_SERVER_CALLBACK_URL: {{ $c.serverCallbackUrl | quote }}
GRAPHQL_CACHE_SIZE: {{ $c.graphqlCacheSize | toString | quote }}
MESHSYNC_DEFAULT_DEPLOYMENT_MODE: {{ $c.meshsyncDefaultDeploymentMode | quote }}
SHUTDOWN_GRACE_PERIOD: {{ $c.shutdownGracePeriod | toString | quote }}
SHUTDOWN_DRAIN_DELAY: {{ $c.shutdownDrainDelay | toString | quote }}
REGISTER_CORE_MODEL: {{ $c.registerCoreModel | toString | quote }}
MESHERY_UI_PATH: {{ $c.uiPath | quote }}
METRICS_ACCESS: {{ $c.metricsAccess | quote }}
LOG_FORMAT: {{ $c.logFormat | quote }}
OTEL_TRACES_EXPORTER: {{ $c.otelTracesExporter | quote }}
OTEL_SDK_DISABLED: {{ $c.otelSdkDisabled | toString | quote }}
REQUEST_BODY_LIMIT: {{ $c.requestBodyLimit | int64 | toString | quote }}
MULTIPART_BODY_LIMIT: {{ $c.multipartBodyLimit | int64 | toString | quote }}
JSON_DEPTH_LIMIT: {{ $c.jsonDepthLimit | toString | quote }}
HTTP_HEADER_TIMEOUT: {{ $c.httpHeaderTimeout | toString | quote }}
HTTP_BODY_TIMEOUT: {{ $c.httpBodyTimeout | toString | quote }}
HTTP_IDLE_TIMEOUT: {{ $c.httpIdleTimeout | toString | quote }}
SKIP_DOWNLOAD_EXTENSIONS: {{ $c.skipDownloadExtensions | toString | quote }}
URL_FETCH_ALLOW: {{ join "," $c.urlFetchAllow | quote }}
URL_FETCH_ALLOW_ONLY: {{ $c.urlFetchAllowOnly | toString | quote }}
REGISTRY_UPLOAD_MAX_BYTES: {{ $c.registryUploadMaxBytes | int64 | toString | quote }}
FILTER_MAX_BYTES: {{ $c.filterMaxBytes | int64 | toString | quote }}
{{- range $name, $value := $c.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
