{{/*
Chart name, truncated to the 63-character DNS label limit.
*/}}
{{- define "billing-portal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Release-wide name: the release name, prefixed to the chart name unless it already contains it.
*/}}
{{- define "billing-portal.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "billing-portal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Name of one component's Deployment and Service.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.componentFullname" -}}
{{- printf "%s-%s" (include "billing-portal.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels of one component (immutable on a Deployment: keep them minimal).
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "billing-portal.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/*
Common labels of one component.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.labels" -}}
helm.sh/chart: {{ include "billing-portal.chart" .root }}
{{ include "billing-portal.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "billing-portal.name" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end }}

{{/*
In-cluster address (<service>:<port>) of a component, e.g. for the gateway's upstreams.
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.address" -}}
{{- $component := index .root.Values.components .name | required (printf "components.%s is not defined" .name) }}
{{- printf "%s:%v" (include "billing-portal.componentFullname" .) $component.port }}
{{- end }}

{{/*
Where a caller reaches a gRPC component: with `grpcBalancing: headless`, the gRPC DNS target of its headless Service
(dns:///<service>-headless.<namespace>.svc.<clusterDomain>:<port>), which resolves to every ready pod, so the caller's
channel balances calls over them (round_robin) and can retry on another instance; with `service`, the ClusterIP
address (one HTTP/2 connection pins a caller to one pod).
Call with (dict "root" $ "name" "auth").
*/}}
{{- define "billing-portal.grpcTarget" -}}
{{- if eq .root.Values.grpcBalancing "headless" }}
{{- $component := index .root.Values.components .name }}
{{- printf "dns:///%s-headless.%s.svc.%s:%v" (include "billing-portal.componentFullname" .) .root.Release.Namespace .root.Values.clusterDomain $component.port }}
{{- else }}
{{- include "billing-portal.address" . }}
{{- end }}
{{- end }}

{{/*
Container image of a component: global image.repository/tag, overridable per component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.image" -}}
{{- $repository := dig "image" "repository" "" .component | default .root.Values.image.repository }}
{{- $tag := dig "image" "tag" "" .component | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/*
Service of one component.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.service" -}}
{{- $c := .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "billing-portal.componentFullname" . }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  type: {{ dig "service" "type" "ClusterIP" $c }}
  selector:
    {{- include "billing-portal.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $c.protocol }}
      port: {{ $c.port }}
      targetPort: {{ $c.protocol }}
      protocol: TCP
      appProtocol: {{ $c.protocol }}
    {{- if .root.Values.metrics.enabled }}
    - name: metrics
      port: {{ .root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
      appProtocol: http
    {{- end }}
{{- end }}

{{/*
Headless Service of a gRPC component that has callers (grpcBalancing: headless): DNS lists its ready pods.
Call with (dict "root" $ "name" "billing" "component" $component).
*/}}
{{- define "billing-portal.headlessService" -}}
{{- $c := .component -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ printf "%s-headless" (include "billing-portal.componentFullname" .) }}
  labels:
    {{- include "billing-portal.labels" . | nindent 4 }}
spec:
  clusterIP: None
  publishNotReadyAddresses: false
  selector:
    {{- include "billing-portal.selectorLabels" . | nindent 4 }}
  ports:
    - name: {{ $c.protocol }}
      port: {{ $c.port }}
      targetPort: {{ $c.protocol }}
      protocol: TCP
      appProtocol: {{ $c.protocol }}
{{- end }}

{{/*
Names of the enabled components that call this one (list it in their `upstreams`), sorted.
Call with (dict "root" $ "name" "billing").
*/}}
{{- define "billing-portal.callers" -}}
{{- $callers := list }}
{{- range $caller, $c := .root.Values.components }}
{{- if and $c.enabled (has $.name ($c.upstreams | default list)) }}
{{- $callers = append $callers $caller }}
{{- end }}
{{- end }}
{{- $callers | sortAlpha | join "," }}
{{- end }}

{{/*
Service credential env of one component (libs/portal_kit/service_auth.py env_for): its own token when it calls
upstreams, the tokens of its callers, and the admin token on the `admin: true` component. Values come only from
the Secret.
Call with (dict "root" $ "name" "auth" "component" $component).
*/}}
{{- define "billing-portal.serviceCredentials" -}}
{{- $secret := required "serviceCredentials.existingSecret is required" .root.Values.serviceCredentials.existingSecret }}
{{- $tokens := list }}
{{- if .component.upstreams }}
{{- $tokens = append $tokens .name }}
{{- end }}
{{- $callers := include "billing-portal.callers" (dict "root" .root "name" .name) }}
{{- if $callers }}
{{- $tokens = concat $tokens (splitList "," $callers) }}
{{- end }}
{{- range $caller := $tokens | uniq | sortAlpha }}
- name: {{ printf "PORTAL_SERVICE_TOKEN_%s" ($caller | upper | replace "-" "_") }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $caller }}
{{- end }}
{{- if .component.admin }}
- name: PORTAL_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ .root.Values.serviceCredentials.adminKey | default "admin" }}
{{- end }}
{{- end }}
